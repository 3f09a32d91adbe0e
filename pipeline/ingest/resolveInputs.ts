import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { createReadStream, existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { Database } from '../db/Database.js';
import { InputError } from '../errors.js';
import type { TextEncoding } from './textCopy.js';

export type InputFormat = 'csv' | 'jsonl' | 'parquet';

export function formatOf(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new InputError(`${path}: unknown input format "${ext}"; expected .csv, .parquet or .jsonl (JSON lines)`);
}

const GLOB_CHARACTERS = /[*?[{]/;

/**
 * Expands each path or glob into files (through DuckDB's glob, so the
 * patterns are the ones DuckDB's readers understand), in a stable order.
 * A path naming an existing file is that file, glob characters in its name
 * or not. A path that matches nothing is an input error, named.
 */
export async function resolveInputs(db: Database, patterns: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const pattern of patterns) {
    if (existsSync(pattern) || !GLOB_CHARACTERS.test(pattern)) {
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

/**
 * A path DuckDB's readers read literally: DuckDB expands glob characters
 * in any path it is given, so a resolved file whose name holds one is read
 * through a link of a plain name.
 */
export function readablePath(path: string): { path: string; cleanup: () => void } {
  if (!GLOB_CHARACTERS.test(path)) return { path, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-input-'));
  const link = join(dir, `input${extname(path)}`);
  symlinkSync(path, link);
  return { path: link, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
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

/** The first line of a text file as text, decoded as the configuration says (a byte-order mark wins). */
function headerText(path: string, encoding: TextEncoding): string {
  const head = readHead(path);
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder('utf-16le').decode(head);
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder('utf-16be').decode(head);
  if (encoding === 'latin-1') return new TextDecoder('latin1').decode(head);
  if (encoding === 'utf-16') return new TextDecoder('utf-16le').decode(head);
  return head.toString('utf8').replace(/^\uFEFF/, '');
}

/** Text in UTF-16 without a byte-order mark: NUL in most odd (little-endian) or most even (big-endian) bytes, and almost none in the others. */
function looksUtf16(head: Buffer): boolean {
  const pairs = Math.floor(head.length / 2);
  if (pairs < 4) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < 2 * pairs; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  return Math.max(even, odd) >= 0.6 * pairs && Math.min(even, odd) <= 0.05 * pairs;
}

/** Why a header line cannot be a header, with the fix: NUL bytes (UTF-16 read as UTF-8), binary bytes, old Mac line ends. */
function headerProblem(path: string, text: string, kind: string): string | undefined {
  const firstLine = text.split('\n')[0] ?? '';
  if (firstLine.includes('\u0000') && looksUtf16(readHead(path, 512))) return `${path}: its first line holds NUL bytes: the file is probably UTF-16 without a byte-order mark; set formats.${kind}.encoding: utf-16`;
  const control = [...firstLine.slice(0, 4096)].filter((ch) => ch < ' ' && ch !== '\t' && ch !== '\r').length;
  if (control > 0 || firstLine.slice(0, 4096).includes('\uFFFD')) {
    return `${path} does not look like a text file: its first line holds ${control || 'invalid'} byte(s) that are not text (a spreadsheet or archive? export it as CSV, JSON lines or Parquet; or set formats.${kind}.encoding)`;
  }
  if (!text.includes('\n') && text.includes('\r')) return `${path} uses carriage returns alone as line ends (classic Mac OS): save it with LF or CRLF line ends`;
  return undefined;
}

/**
 * The column names a file offers, read from its header (CSV), its first
 * JSON object (JSON lines) or its schema (Parquet). A file with no header,
 * a header that is not text, or a column named twice is an input error.
 */
export async function readHeader(db: Database, path: string, format: InputFormat, delimiter: string, encoding: TextEncoding = 'utf-8', kind = 'orders'): Promise<string[]> {
  if (format === 'parquet') {
    const readable = readablePath(path);
    try {
      const rows = await db.all<{ column_name: string }>(
        'SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($1))',
        [readable.path],
      );
      return rows.map((r) => r.column_name);
    } catch (err) {
      throw new InputError(`${path} cannot be read as Parquet: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    } finally {
      readable.cleanup();
    }
  }
  const text = headerText(path, encoding);
  const problem = headerProblem(path, text, kind);
  if (problem) throw new InputError(problem);
  const lines = text.split(/\r?\n/);
  if (format === 'csv') {
    const line = lines[0] ?? '';
    if (line.trim() === '') throw new InputError(`${path} has no header line (the file is empty or starts with a blank line)`);
    const header = splitCsvHeader(line, delimiter);
    const repeated = header.filter((h, i) => header.indexOf(h) !== i);
    if (repeated.length) throw new InputError(`${path}: the header names column(s) ${[...new Set(repeated)].map((h) => `"${h}"`).join(', ')} more than once; rename them so that each column has its own name`);
    return header;
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
export function missingColumnsMessage(path: string, missing: string[], header: string[], delimiter: string, kind = 'orders'): string {
  let hint = '';
  if (header.length === 1) {
    const guess = [';', '\t', '|', ','].find((d) => d !== delimiter && header[0]!.includes(d));
    if (guess) hint = ` The header looks ${guess === '\t' ? 'tab' : `"${guess}"`}-delimited: set formats.${kind}.delimiter (or csv.delimiter) in the config.`;
  }
  const shown = header.slice(0, 30).map((h) => `"${h.length > 60 ? `${h.slice(0, 60)}…` : h}"`).join(', ') + (header.length > 30 ? `, and ${header.length - 30} more` : '');
  return `${path} lacks required column(s) ${missing.map((m) => `"${m}"`).join(', ')}; found ${shown}.${hint} Map other names with columns.${kind}.<column> in the config (fidelio inspect --${kind} ${path} suggests a mapping).`;
}

/**
 * The sha256 of the file at `path`, in hex. With `onThread`, computed on a worker thread of its own (the file read
 * and hashed there), so that this thread can do other work meanwhile (ingestFile checks the file's text): where the
 * thread cannot start, here, the same digest.
 */
export async function sha256File(path: string, onThread = false): Promise<string> {
  if (onThread) {
    const away = await sha256OnThread(path).catch((err: Error) => (err instanceof ThreadFailure ? undefined : Promise.reject(err)));
    if (away !== undefined) return away;
  }
  return sha256Here(path);
}

/** A worker thread that could not start or run (not the file's own error). */
class ThreadFailure extends Error {}

/** The worker's script: the digest of the file at workerData, or the read's error message. */
const SHA256_WORKER = `const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (chunk) => hash.update(chunk))
  .on('error', (err) => parentPort.postMessage({ error: err.message, code: err.code }))
  .on('end', () => parentPort.postMessage({ sha256: hash.digest('hex') }));`;

function sha256OnThread(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(SHA256_WORKER, { eval: true, workerData: path });
    } catch (err) {
      reject(new ThreadFailure((err as Error).message));
      return;
    }
    let settled = false;
    worker.once('message', (m: { sha256?: string; error?: string; code?: string }) => {
      settled = true;
      if (m.sha256 !== undefined) resolvePromise(m.sha256);
      else reject(Object.assign(new Error(m.error), { code: m.code }));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(new ThreadFailure(err.message));
      settled = true;
    });
    worker.once('exit', () => {
      if (!settled) reject(new ThreadFailure('the thread exited without a digest'));
      settled = true;
    });
  });
}

function sha256Here(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    // Read a megabyte at a time: in the stream's default 64 KB chunks the bench's 683 MB orders file took 0.9-1.1 s
    // to hash, in 1 MB chunks 0.6 s (the calls per chunk, not the hashing, made the difference).
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
