import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ident, literal, type Database } from '../db/Database.js';
import type { InputFormat } from './resolveInputs.js';

/** The longest line a reader accepts as a row; longer lines are rejected with their reason. */
export const MAX_ROW_BYTES = 1 << 20;
/** Lines are read whole up to this size for the rejected-rows table. */
const MAX_RAW_LINE_BYTES = 16 << 20;
/** A delimiter no text file uses, so that DuckDB reads each physical line as one value. */
const UNIT_SEPARATOR = String.fromCharCode(31);

export interface StagedFile {
  /** Rows read from the file (blank lines and the header excluded). */
  rowsRead: number;
  /**
   * The staged rows as a relation: the temp table `stage`, or for a clean
   * CSV file (no rejected or blank line, so record k is line k + 1) a
   * select over the reader's records that numbers them without copying.
   */
  relation: string;
  /** False when the reader's records could not be matched one-to-one to lines (multi-line quoted fields). */
  exactLines: boolean;
}

/** A line the reader cannot take, rejected before DuckDB sees it. */
interface LineReject {
  line: number;
  raw: string;
  reason: string;
}

/**
 * Stages one file with one row per data record (see StagedFile.relation):
 * line (1-based physical line, or Parquet row), raw (the line's text; NULL
 * for CSV records matched to their line, whose text stays in the temp table
 * `stage_lines` until the rejected rows are written),
 * structural_error (why the record could not be split into columns) and
 * every canonical column as text. `columnMap` maps canonical names to the
 * file's names; canonical columns absent from the file are NULL.
 */
export async function stageFile(
  db: Database,
  path: string,
  format: InputFormat,
  columnMap: Map<string, string | undefined>,
  header: string[],
  delimiter: string,
): Promise<StagedFile> {
  await db.run('DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS stage_lines; DROP TABLE IF EXISTS stage_records');
  if (format === 'parquet') {
    await db.run('CREATE TEMP TABLE stage_lines (line BIGINT, raw VARCHAR)');
    return stageParquet(db, path, columnMap);
  }

  // DuckDB's CSV reader stops at invalid UTF-8 and stray carriage returns: a cleaned copy when needed.
  const { path: readable, rejects, cleanup } = await readableCopy(path);
  try {
    // A table keeps the reader's (file) order, so rowid numbers the physical lines.
    await db.run(`CREATE TEMP TABLE stage_lines_read AS
      SELECT raw FROM read_csv(${literal(readable)}, header = false, columns = {'raw': 'VARCHAR'},
        delim = ${literal(UNIT_SEPARATOR)}, quote = '', escape = '', auto_detect = false,
        max_line_size = ${MAX_RAW_LINE_BYTES}, buffer_size = ${2 * MAX_RAW_LINE_BYTES})`);
    await db.run(`CREATE TEMP TABLE stage_lines AS SELECT rowid + 1 AS line, raw FROM stage_lines_read;
      DROP TABLE stage_lines_read`);
    const staged =
      format === 'csv'
        ? await stageCsv(db, readable, columnMap, header, delimiter, rejects.length === 0)
        : await stageJsonLines(db, columnMap);
    for (const r of rejects) {
      await db.run('INSERT INTO stage (line, raw, structural_error) VALUES ($1, $2, $3)', [r.line, r.raw, r.reason]);
    }
    return { ...staged, rowsRead: staged.rowsRead + rejects.length };
  } finally {
    cleanup();
  }
}

function canonicalSelect(columnMap: Map<string, string | undefined>, source: (name: string) => string): string {
  return [...columnMap.entries()]
    .map(([canonical, actual]) => `${actual === undefined ? 'CAST(NULL AS VARCHAR)' : `CAST(${source(actual)} AS VARCHAR)`} AS ${ident(canonical)}`)
    .join(', ');
}

async function stageParquet(db: Database, path: string, columnMap: Map<string, string | undefined>): Promise<StagedFile> {
  await db.run(`CREATE TEMP TABLE stage AS
    SELECT file_row_number + 1 AS line, CAST(to_json(t) AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS structural_error,
      ${canonicalSelect(columnMap, (c) => `t.${ident(c)}`)}
    FROM read_parquet(${literal(path)}, file_row_number = true) t`);
  return { rowsRead: await db.value<number>('SELECT count(*) FROM stage'), exactLines: true, relation: 'stage' };
}

async function stageJsonLines(db: Database, columns: Map<string, string | undefined>): Promise<StagedFile> {
  // CASE does not short-circuit json_extract on bad rows: extract from '{}' for lines that are not objects.
  const select = canonicalSelect(columns, (c) => `json_extract_string(doc, ${literal(`$."${c}"`)})`);
  await db.run(`CREATE TEMP TABLE stage AS
    SELECT line, raw, CASE WHEN NOT is_object THEN 'not a valid JSON object' END AS structural_error, ${select}
    FROM (
      SELECT line, raw, is_object, CASE WHEN is_object THEN raw ELSE '{}' END AS doc
      FROM (SELECT line, raw, coalesce(json_valid(raw), false) AND starts_with(ltrim(raw), '{') AS is_object
            FROM stage_lines WHERE raw IS NOT NULL AND trim(raw) <> ''))`);
  return { rowsRead: await db.value<number>('SELECT count(*) FROM stage'), exactLines: true, relation: 'stage' };
}

/**
 * CSV is read twice: once typed by DuckDB's reader (all columns as text, its
 * rejects table catching short, long and badly quoted rows) and once as raw
 * lines. The reader's records, in file order, are matched to the data lines
 * that it did not reject, which gives every row its line number and text.
 * When no line was rejected or blank, record k is line k + 1: the records
 * are then numbered in place, with no matching and no copy (a 10M-line file
 * ingests in half the time).
 */
async function stageCsv(
  db: Database,
  path: string,
  columnMap: Map<string, string | undefined>,
  header: string[],
  delimiter: string,
  /** False when lines were blanked before the reader (their rejects go into the `stage` table). */
  allLinesRead: boolean,
): Promise<StagedFile> {
  const columns = `{${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}}`;
  await db.run('DROP TABLE IF EXISTS stage_records');
  await db.run(`CREATE TEMP TABLE stage_records AS
    SELECT * FROM read_csv(${literal(path)}, header = true, columns = ${columns}, delim = ${literal(delimiter)},
      quote = '"', escape = '"', auto_detect = false, store_rejects = true,
      rejects_table = 'stage_reject_errors', rejects_scan = 'stage_reject_scans',
      max_line_size = ${MAX_ROW_BYTES})`);
  await db.run(`CREATE OR REPLACE TEMP TABLE stage_bad AS
    SELECT line, first(csv_line ORDER BY column_idx) AS csv_line,
      -- the reader may report one line several times; its first error names the problem
      first(CASE error_type
        WHEN 'MISSING COLUMNS' THEN 'too few columns: expected ' || ${header.length}
        WHEN 'TOO MANY COLUMNS' THEN 'too many columns: expected ' || ${header.length} || ', found ' || coalesce(regexp_extract(error_message, 'Found: (\\d+)', 1), '?')
        WHEN 'UNQUOTED VALUE' THEN 'malformed quoting'
        WHEN 'LINE SIZE OVER MAXIMUM' THEN 'line longer than ${MAX_ROW_BYTES} bytes'
        WHEN 'INVALID ENCODING' THEN 'invalid UTF-8 bytes in the line'
        ELSE lower(error_type) END ORDER BY column_idx) AS reason
    FROM stage_reject_errors GROUP BY line`);
  const records = await db.value<number>('SELECT count(*) FROM stage_records');
  const canonical = canonicalSelect(columnMap, (c) => `r.${ident(c)}`);
  // The common case, a file without rejected or blank lines: record k is line k + 1, no matching needed.
  const lines = await db.one<{ data_lines: number; last_line: number | null; bad: number }>(`SELECT
      count(*) FILTER (WHERE line > 1 AND raw IS NOT NULL) AS data_lines, max(line) FILTER (WHERE raw IS NOT NULL) AS last_line,
      (SELECT count(*) FROM stage_bad) AS bad
    FROM stage_lines`);
  if (allLinesRead && lines!.bad === 0 && lines!.data_lines === records && (lines!.last_line ?? 1) === records + 1) {
    await db.run('DROP TABLE stage_bad; DROP TABLE IF EXISTS stage_reject_errors; DROP TABLE IF EXISTS stage_reject_scans');
    return {
      rowsRead: records,
      exactLines: true,
      relation: `(SELECT rowid + 2 AS line, CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS structural_error, ${canonical} FROM stage_records r)`,
    };
  }
  await db.run(`CREATE OR REPLACE TEMP TABLE stage_data_lines AS
    SELECT line, row_number() OVER (ORDER BY line) AS k
    FROM stage_lines
    WHERE line > 1 AND raw IS NOT NULL AND line NOT IN (SELECT line FROM stage_bad)`);
  const dataLines = await db.value<number>('SELECT count(*) FROM stage_data_lines');
  const exactLines = records === dataLines;
  const reconstructed = `concat_ws(${literal(delimiter)}, ${header.map((h) => `r.${ident(h)}`).join(', ')})`;
  await db.run(`CREATE TEMP TABLE stage AS
    SELECT ${exactLines ? 'd.line' : 'CAST(NULL AS BIGINT)'} AS line,
      -- a row's raw text is looked up in stage_lines only if it is rejected (most rows never need it)
      ${exactLines ? 'CAST(NULL AS VARCHAR)' : reconstructed} AS raw,
      CAST(NULL AS VARCHAR) AS structural_error,
      ${canonical}
    FROM (SELECT rowid + 1 AS k, * FROM stage_records) r
    ${exactLines ? 'JOIN stage_data_lines d USING (k)' : ''}
    UNION ALL BY NAME
    SELECT line, csv_line AS raw, reason AS structural_error FROM stage_bad`);
  await db.run('DROP TABLE IF EXISTS stage_records; DROP TABLE IF EXISTS stage_bad; DROP TABLE IF EXISTS stage_data_lines; DROP TABLE IF EXISTS stage_reject_errors; DROP TABLE IF EXISTS stage_reject_scans');
  return { rowsRead: records + (await db.value<number>('SELECT count(*) FROM stage WHERE structural_error IS NOT NULL')), exactLines, relation: 'stage' };
}

/**
 * Streams the file and checks it for what DuckDB's CSV reader cannot take:
 * invalid UTF-8 and carriage returns (it stops with an error on either when
 * its options are fixed, as ours are). A clean file is read as it is (one
 * C++ check and one byte search per chunk). Otherwise a temporary copy is
 * written with Windows line ends (CRLF) turned into LF, and the lines that
 * still hold invalid bytes or a carriage return blanked (line numbers keep)
 * and returned as rejects.
 */
async function readableCopy(path: string): Promise<{ path: string; rejects: LineReject[]; cleanup: () => void }> {
  let needsCopy = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    // A chunk may split a multi-byte character: only a chunk that fails as a whole and again after
    // its last newline needs the line-by-line pass below, so check the complete lines only.
    const complete = buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
    if (buf.indexOf(0x0d) !== -1 || !isUtf8(complete.length ? complete : buf)) {
      needsCopy = true;
      break;
    }
  }
  if (!needsCopy) return { path, rejects: [], cleanup: () => undefined };

  const rejects: LineReject[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-clean-'));
  const copy = join(dir, 'clean' + path.slice(path.lastIndexOf('.')));
  const out = createWriteStream(copy);
  let lineNo = 0;
  let rest: Buffer = Buffer.alloc(0);
  const writeLine = (raw: Buffer, newline: boolean) => {
    lineNo++;
    const line = raw.length && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
    const problem = !isUtf8(line) ? 'invalid UTF-8 bytes in the line' : line.indexOf(0x0d) !== -1 ? 'a carriage return inside the line' : undefined;
    if (problem) rejects.push({ line: lineNo, raw: line.toString('utf8').replaceAll('\r', '\\r'), reason: problem });
    out.write(problem ? Buffer.from('\n') : newline ? Buffer.concat([line, Buffer.from('\n')]) : line);
  };
  for await (const chunk of createReadStream(path)) {
    const buf: Buffer = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      writeLine(buf.subarray(start, nl), true);
      start = nl + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length) writeLine(rest, false);
  out.end();
  await finished(out);
  return { path: copy, rejects, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
