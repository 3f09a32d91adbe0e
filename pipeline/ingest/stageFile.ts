import { ident, literal, type Database } from '../db/Database.js';
import { InputError } from '../errors.js';
import type { InputFormat } from './resolveInputs.js';
import { linesOf, MAX_ROW_BYTES, readableText, type RecordSpan, type TextEncoding } from './textCopy.js';

/** A delimiter no text file uses, so that DuckDB reads each physical line as one value. */
const UNIT_SEPARATOR = String.fromCharCode(31);
/**
 * The size of the buffers DuckDB's CSV reader reads a file in. Each buffer's
 * records are one batch of every table made from them, down to the stored
 * orders: a batch of more rows than a row group (122,880) is stored as a
 * full row group and a small one, and every checkpoint after then rewrites
 * the small ones into their neighbours (DuckDB's vacuum). With the reader's
 * default buffers, the bench's 10M-line orders file (66-byte lines) came in
 * batches of about 125,000 records (8 MB), was stored in 162 row groups,
 * half of them of about 2,000 rows, and its first checkpoint took 12.7 s
 * (25 CPU-seconds) rewriting them; read 4 MB at a time, its batches of fewer
 * records than a row group are joined as they are stored, in 89 row groups,
 * and the checkpoint took 0.01 s. Lines of 35 bytes or more fill a buffer
 * with fewer records than a row group. Twice the longest line the reader takes.
 */
const RECORD_BUFFER_BYTES = 4 * MAX_ROW_BYTES;

export interface StagedFile {
  /** Rows read from the file: its data records (blank lines and the header excluded), or Parquet rows. */
  rowsRead: number;
  /** The physical lines the records spanned, when some CSV record holds line breaks inside quotes (more than rowsRead). */
  physicalLines?: number;
  /**
   * The staged rows as a relation: the temp table `stage`, or for a clean
   * CSV file (no rejected or blank line, so record k is line k + 1) a
   * select over the reader's records that numbers them without copying.
   */
  relation: string;
  /** False when the reader's records could not be matched one-to-one to lines. */
  exactLines: boolean;
  /**
   * A clean CSV file whose lines were counted, not copied: `stage_lines` is
   * empty and is filled from this file only when a rejected row needs its
   * text (linesForRejects).
   */
  pendingLines?: string;
  /**
   * True when the staged values are a UTF-8 CSV file's text read as it is and no byte of it is, or begins, a
   * character an identifier may not hold (textCopy.ts, holdsControls): no identifier can hold one, and validateStage
   * leaves out the check of every value for them (a regular expression per identifier per line, about 1.4 CPU-seconds
   * for two identifiers of ten million lines).
   */
  controlFree?: boolean;
  /**
   * True when the staged values are a UTF-8 CSV file's text read as it is and no space separator stands where a value
   * begins or ends (textCopy.ts, edgeSpaces): every value is its own trim, and validateStage does not trim them.
   */
  trimmed?: boolean;
}

export interface StageOptions {
  kind: string;
  delimiter: string;
  encoding: TextEncoding;
  /** The file's name as the user gave it, for messages (`path` may be a link to it). */
  displayPath?: string;
  /** The text check of the same file with the same options, already started (checkText); stageFile cleans it up. */
  text?: Promise<ReadableText>;
}

/** What readableText gives: the text DuckDB reads, the lines rejected before it, and how to remove a copy. */
export type ReadableText = Awaited<ReturnType<typeof readableText>>;

/**
 * The text check stageFile makes of a CSV or JSON lines file (readableText), started on its own: the caller can
 * overlap it with other work on the same file and hand it to stageFile (StageOptions.text), or clean it up itself.
 */
export function checkText(path: string, format: InputFormat, header: string[], o: Pick<StageOptions, 'kind' | 'delimiter' | 'encoding'>): Promise<ReadableText> {
  return readableText(path, {
    kind: o.kind, encoding: o.encoding, checkQuotes: format === 'csv', delimiter: o.delimiter, fields: header.length, scanControls: format === 'csv', scanSpaces: format === 'csv',
  });
}

/**
 * Stages one file with one row per data line (see StagedFile.relation):
 * line (1-based physical line, or Parquet row), raw (the line's text; NULL
 * for CSV records matched to their line, whose text stays in the temp table
 * `stage_lines` until the rejected rows are written), structural_error and
 * structural_class (why the line could not be split into columns) and
 * every canonical column as text. `columnMap` maps canonical names to the
 * file's names; canonical columns absent from the file are NULL. Text is
 * read through readableText first: a line that cannot be a row costs that
 * line only.
 */
export async function stageFile(
  db: Database,
  path: string,
  format: InputFormat,
  columnMap: Map<string, string | undefined>,
  header: string[],
  o: StageOptions,
): Promise<StagedFile> {
  await db.run('DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS stage_lines; DROP TABLE IF EXISTS stage_records; DROP TABLE IF EXISTS stage_spans');
  if (format === 'parquet') {
    await db.run('CREATE TEMP TABLE stage_lines (line BIGINT, raw VARCHAR)');
    try {
      return await stageParquet(db, path, columnMap);
    } catch (err) {
      // A file whose schema reads but whose pages do not (truncated, corrupt): refused whole, naming it.
      if (/interrupt/i.test((err as Error).message)) throw err;
      throw new InputError(`${o.displayPath ?? path} cannot be read as Parquet: ${(err as Error).message.split('\n')[0]}; nothing of it was loaded (export it again)`, { cause: err });
    }
  }

  const { path: readable, rejects, spans, cleanup, asIs } = await (o.text ?? checkText(path, format, header, o));
  try {
    // A clean CSV file without blank lines, its lines counted by the text check: its records are its lines in order,
    // and its lines' text is read only if a row is rejected.
    const counted = format === 'csv' && asIs !== undefined && asIs.blank === 0 ? asIs.lines : undefined;
    if (counted === undefined) await readStageLines(db, readable, spans);
    else await db.run('CREATE TEMP TABLE stage_lines (line BIGINT, raw VARCHAR)');
    const staged =
      format === 'csv'
        ? await stageCsv(db, readable, columnMap, header, o.delimiter, rejects.length === 0, counted, spans.length > 0)
        : await stageJsonLines(db, columnMap);
    if (rejects.length) {
      await db.run('CREATE OR REPLACE TEMP TABLE text_rejects (line BIGINT, raw VARCHAR, reason VARCHAR, reason_class VARCHAR)');
      await db.appendColumns('text_rejects', [
        Float64Array.from(rejects, (r) => r.line), rejects.map((r) => r.raw), rejects.map((r) => r.reason), rejects.map((r) => r.reasonClass),
      ]);
      await db.run(`INSERT INTO stage (line, raw, structural_error, structural_class) SELECT line, raw, reason, reason_class FROM text_rejects;
        DROP TABLE text_rejects`);
    }
    const rowsRead = staged.rowsRead + rejects.length;
    const extra = spans.reduce((n, s) => n + s.lines - 1, 0);
    // CSV's only escape is a doubled quote: its values are the file's characters. (A JSON line's escapes can make any.)
    const controlFree = format === 'csv' && asIs !== undefined && !asIs.controls;
    const trimmed = format === 'csv' && asIs !== undefined && !asIs.edgeSpaces;
    return { ...staged, rowsRead, ...(extra ? { physicalLines: rowsRead + extra } : {}), ...(controlFree ? { controlFree } : {}), ...(trimmed ? { trimmed } : {}) };
  } finally {
    cleanup();
  }
}

/**
 * The file's records into temp table stage_lines (line, raw; raw NULL for a
 * blank line): one per physical line, but a record spanning lines (`spans`)
 * is one row, named by its first line, its lines joined. With spans, temp
 * table stage_spans keeps them with the line number DuckDB's CSV reader
 * gives the record (it counts records and blank lines, not the line breaks
 * inside quotes), for the reader's rejects (stageCsv).
 */
async function readStageLines(db: Database, readable: string, spans: RecordSpan[] = []): Promise<void> {
  // A table keeps the reader's (file) order, so rowid numbers the physical lines.
  await db.run(`CREATE TEMP TABLE stage_lines_read AS
    SELECT raw FROM read_csv(${literal(readable)}, header = false, columns = {'raw': 'VARCHAR'},
      delim = ${literal(UNIT_SEPARATOR)}, quote = '', escape = '', auto_detect = false,
      max_line_size = ${2 * MAX_ROW_BYTES}, buffer_size = ${RECORD_BUFFER_BYTES})`);
  await db.run('DROP TABLE IF EXISTS stage_spans');
  if (spans.length === 0) {
    await db.run(`CREATE OR REPLACE TEMP TABLE stage_lines AS SELECT rowid + 1 AS line, raw FROM stage_lines_read;
      DROP TABLE stage_lines_read`);
    return;
  }
  await db.run('CREATE TEMP TABLE stage_spans (line BIGINT, lines BIGINT)');
  await db.appendColumns('stage_spans', [Float64Array.from(spans, (s) => s.line), Float64Array.from(spans, (s) => s.lines)]);
  await db.run(`CREATE OR REPLACE TEMP TABLE stage_spans AS
    SELECT line, lines, line - coalesce(sum(lines - 1) OVER (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS reader_line
    FROM stage_spans`);
  // Each line a record spans, with the record's first line: equality joins (a range join grouping every line is ten times slower).
  const covered = spans.reduce((n, s) => n + s.lines, 0);
  const line = new Float64Array(covered);
  const first = new Float64Array(covered);
  let k = 0;
  for (const s of spans) for (let i = 0; i < s.lines; i++, k++) [line[k], first[k]] = [s.line + i, s.line];
  await db.run('CREATE OR REPLACE TEMP TABLE stage_span_lines (line BIGINT, first_line BIGINT)');
  await db.appendColumns('stage_span_lines', [line, first]);
  await db.run(`CREATE OR REPLACE TEMP TABLE stage_lines AS
    SELECT l.line, l.raw FROM (SELECT rowid + 1 AS line, raw FROM stage_lines_read) l ANTI JOIN stage_span_lines c USING (line)
    UNION ALL
    SELECT c.first_line AS line, string_agg(coalesce(l.raw, ''), chr(10) ORDER BY l.line) AS raw
    FROM (SELECT rowid + 1 AS line, raw FROM stage_lines_read) l JOIN stage_span_lines c USING (line) GROUP BY c.first_line;
    DROP TABLE stage_lines_read; DROP TABLE stage_span_lines`);
}

/**
 * Fills stage_lines for the rejected rows of temp table `checked` that need
 * their text, when the staged file's lines were counted and not read
 * (StagedFile.pendingLines); nothing otherwise.
 */
export async function linesForRejects(db: Database, pendingLines: string | undefined): Promise<void> {
  if (pendingLines === undefined) return;
  // Read in JavaScript, not by DuckDB's reader: inside the merge's transaction a new table's rowids do not count from 0.
  const wanted = await db.all<{ line: number }>(`SELECT DISTINCT line FROM checked
    WHERE status = 'rejected' AND raw IS NULL AND line NOT IN (SELECT line FROM stage_lines)`);
  if (wanted.length === 0) return;
  const texts = await linesOf(pendingLines, new Set(wanted.map((w) => w.line)));
  const lines = [...texts.keys()];
  await db.appendColumns('stage_lines', [Float64Array.from(lines), lines.map((l) => texts.get(l)!)]);
}

function canonicalSelect(columnMap: Map<string, string | undefined>, source: (name: string) => string): string {
  return [...columnMap.entries()]
    .map(([canonical, actual]) => `${actual === undefined ? 'CAST(NULL AS VARCHAR)' : `CAST(${source(actual)} AS VARCHAR)`} AS ${ident(canonical)}`)
    .join(', ');
}

async function stageParquet(db: Database, path: string, columnMap: Map<string, string | undefined>): Promise<StagedFile> {
  await db.run(`CREATE TEMP TABLE stage AS
    SELECT file_row_number + 1 AS line, CAST(to_json(t) AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS structural_error, CAST(NULL AS VARCHAR) AS structural_class,
      ${canonicalSelect(columnMap, (c) => `t.${ident(c)}`)}
    FROM read_parquet(${literal(path)}, file_row_number = true) t`);
  return { rowsRead: await db.value<number>('SELECT count(*) FROM stage'), exactLines: true, relation: 'stage' };
}

/** The JSONPath of one top-level key, whatever it holds (quotes, backslashes, dots, `$`). */
export const jsonKeyPath = (key: string): string => `$."${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

async function stageJsonLines(db: Database, columns: Map<string, string | undefined>): Promise<StagedFile> {
  // CASE does not short-circuit json_extract on bad rows: extract from '{}' for lines that are not objects.
  const select = canonicalSelect(columns, (c) => `json_extract_string(doc, ${literal(jsonKeyPath(c))})`);
  await db.run(`CREATE TEMP TABLE stage AS
    SELECT line, raw, CASE WHEN NOT is_object THEN 'not a valid JSON object' END AS structural_error,
      CASE WHEN NOT is_object THEN 'not_a_json_object' END AS structural_class, ${select}
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
 * ingests in half the time). With `countedLines` (the file's physical
 * lines, none blank, counted by the text check) the lines are not read at
 * all unless the records do not match them one to one.
 */
async function stageCsv(
  db: Database,
  path: string,
  columnMap: Map<string, string | undefined>,
  header: string[],
  delimiter: string,
  /** False when lines were blanked before the reader (their rejects go into the `stage` table). */
  allLinesRead: boolean,
  /** The file's physical lines when counted instead of read into stage_lines (none of them blank). */
  countedLines?: number,
  /** Some records span lines (temp table stage_spans). */
  spanning = false,
): Promise<StagedFile> {
  const columns = `{${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}}`;
  await db.run('DROP TABLE IF EXISTS stage_records');
  await db.run(`CREATE TEMP TABLE stage_records AS
    SELECT * FROM read_csv(${literal(path)}, header = true, columns = ${columns}, delim = ${literal(delimiter)},
      quote = '"', escape = '"', auto_detect = false, store_rejects = true,
      rejects_table = 'stage_reject_errors', rejects_scan = 'stage_reject_scans',
      max_line_size = ${2 * MAX_ROW_BYTES}, buffer_size = ${RECORD_BUFFER_BYTES})`);
  await db.run(`CREATE OR REPLACE TEMP TABLE stage_bad AS
    SELECT line, first(csv_line ORDER BY column_idx) AS csv_line,
      -- the reader may report one line several times; its first error names the problem
      first(CASE error_type
        WHEN 'MISSING COLUMNS' THEN 'too few columns: expected ' || ${header.length}
        WHEN 'TOO MANY COLUMNS' THEN 'too many columns: expected ' || ${header.length} || ', found ' || coalesce(regexp_extract(error_message, 'Found: (\\d+)', 1), '?')
        WHEN 'UNQUOTED VALUE' THEN 'malformed quoting: a quote inside an unquoted field'
        WHEN 'LINE SIZE OVER MAXIMUM' THEN 'line longer than ${MAX_ROW_BYTES} bytes'
        WHEN 'INVALID ENCODING' THEN 'invalid UTF-8 bytes in the line'
        ELSE lower(error_type) END ORDER BY column_idx) AS reason,
      first(CASE error_type
        WHEN 'MISSING COLUMNS' THEN 'too_few_columns' WHEN 'TOO MANY COLUMNS' THEN 'too_many_columns'
        WHEN 'UNQUOTED VALUE' THEN 'malformed_quoting' WHEN 'LINE SIZE OVER MAXIMUM' THEN 'line_too_long'
        WHEN 'INVALID ENCODING' THEN 'invalid_utf8' ELSE replace(lower(error_type), ' ', '_') END ORDER BY column_idx) AS reason_class
    FROM stage_reject_errors GROUP BY line`);
  // The reader numbers a record after others holding line breaks lower than its first physical line: numbered as the file's lines.
  if (spanning) {
    await db.run(`UPDATE stage_bad SET line = stage_bad.line + coalesce((SELECT sum(s.lines - 1) FROM stage_spans s WHERE s.reader_line < stage_bad.line), 0)`);
  }
  const records = await db.value<number>('SELECT count(*) FROM stage_records');
  const canonical = canonicalSelect(columnMap, (c) => `r.${ident(c)}`);
  // The common case, a file without rejected or blank lines: record k is line k + 1, no matching needed.
  const bad = await db.value<number>('SELECT count(*) FROM stage_bad');
  const lines = countedLines !== undefined
    ? { data_lines: Math.max(countedLines - 1, 0), last_line: countedLines || null }
    : (await db.one<{ data_lines: number; last_line: number | null }>(`SELECT
        count(*) FILTER (WHERE line > 1 AND raw IS NOT NULL) AS data_lines, max(line) FILTER (WHERE raw IS NOT NULL) AS last_line
      FROM stage_lines`))!;
  if (allLinesRead && bad === 0 && lines.data_lines === records && (lines.last_line ?? 1) === records + 1) {
    await db.run('DROP TABLE stage_bad; DROP TABLE IF EXISTS stage_reject_errors; DROP TABLE IF EXISTS stage_reject_scans; DROP TABLE IF EXISTS stage_spans');
    return {
      rowsRead: records,
      exactLines: true,
      relation: `(SELECT rowid + 2 AS line, CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS structural_error,
        CAST(NULL AS VARCHAR) AS structural_class, ${canonical} FROM stage_records r)`,
      ...(countedLines !== undefined ? { pendingLines: path } : {}),
    };
  }
  // The records do not match the lines one to one: the lines are read to match them.
  if (countedLines !== undefined) await readStageLines(db, path);
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
      CAST(NULL AS VARCHAR) AS structural_error, CAST(NULL AS VARCHAR) AS structural_class,
      ${canonical}
    FROM (SELECT rowid + 1 AS k, * FROM stage_records) r
    ${exactLines ? 'JOIN stage_data_lines d USING (k)' : ''}
    UNION ALL BY NAME
    SELECT line, csv_line AS raw, reason AS structural_error, reason_class AS structural_class FROM stage_bad`);
  await db.run('DROP TABLE IF EXISTS stage_records; DROP TABLE IF EXISTS stage_bad; DROP TABLE IF EXISTS stage_data_lines; DROP TABLE IF EXISTS stage_reject_errors; DROP TABLE IF EXISTS stage_reject_scans; DROP TABLE IF EXISTS stage_spans');
  return { rowsRead: records + (await db.value<number>('SELECT count(*) FROM stage WHERE structural_error IS NOT NULL')), exactLines, relation: 'stage' };
}
