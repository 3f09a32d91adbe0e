import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Database } from '../db/Database.js';
import { InputError } from '../errors.js';

export type InputFormat = 'csv' | 'jsonl' | 'parquet';

export function formatOf(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new InputError(`${path}: unknown input format "${ext}"; expected .csv, .parquet or .jsonl (JSON lines)`);
}

/**
 * Expands each path or glob into files (through DuckDB's glob, so the
 * patterns are the ones DuckDB's readers understand), in a stable order.
 * A path that matches nothing is an input error, named.
 */
export async function resolveInputs(db: Database, patterns: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    if (!/[*?[]/.test(pattern)) {
      if (!existsSync(pattern)) throw new InputError(`input file ${pattern} does not exist`);
      if (statSync(pattern).isDirectory()) throw new InputError(`input ${pattern} is a folder; give files or a glob such as ${pattern}/*.csv`);
      files.push(resolve(pattern));
      continue;
    }
    const rows = await db.all<{ file: string }>('SELECT file FROM glob($1) ORDER BY file', [pattern]);
    if (rows.length === 0) throw new InputError(`input pattern ${pattern} matches no file`);
    files.push(...rows.map((r) => resolve(r.file)));
  }
  return [...new Set(files)];
}

/** Reads at most `max` bytes from the start of a file. */
function readHead(path: string, max = 1 << 20): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Splits one CSV record on the delimiter, honouring double quotes. */
export function splitCsvHeader(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(field.trim());
      field = '';
    } else field += ch;
  }
  out.push(field.trim());
  return out;
}

/**
 * The column names a file offers, read from its header (CSV), its first
 * JSON object (JSON lines) or its schema (Parquet). A file with no header
 * is an input error.
 */
export async function readHeader(db: Database, path: string, format: InputFormat, delimiter: string): Promise<string[]> {
  if (format === 'parquet') {
    try {
      const rows = await db.all<{ column_name: string }>(
        'SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($1))',
        [path],
      );
      return rows.map((r) => r.column_name);
    } catch (err) {
      throw new InputError(`${path} cannot be read as Parquet: ${(err as Error).message}`);
    }
  }
  const text = readHead(path).toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  if (format === 'csv') {
    const header = lines[0] ?? '';
    if (header.trim() === '') throw new InputError(`${path} has no header line (the file is empty or starts with a blank line)`);
    return splitCsvHeader(header, delimiter);
  }
  for (const line of lines.slice(0, 1000)) {
    if (line.trim() === '') continue;
    try {
      const obj: unknown = JSON.parse(line);
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) return Object.keys(obj);
    } catch {
      // a malformed line is rejected later with its line number; keep looking for the first object
    }
  }
  throw new InputError(`${path} holds no JSON object in its first lines; expected JSON lines, one object per line`);
}

/** Explains a header that lacks required columns, guessing a wrong delimiter when it looks like one. */
export function missingColumnsMessage(path: string, missing: string[], header: string[], delimiter: string): string {
  let hint = '';
  if (header.length === 1) {
    const guess = [';', '\t', '|', ','].find((d) => d !== delimiter && header[0]!.includes(d));
    if (guess) hint = ` The header looks ${guess === '\t' ? 'tab' : `"${guess}"`}-delimited: set csv.delimiter in the config.`;
  }
  return `${path} lacks required column(s) ${missing.map((m) => `"${m}"`).join(', ')}; found ${header.map((h) => `"${h}"`).join(', ')}.${hint} Map other names with columns.<kind>.<column> in the config.`;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
