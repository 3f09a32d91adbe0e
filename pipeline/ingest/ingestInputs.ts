import type { Config } from '../config.js';
import { ident, literal, type Database } from '../db/Database.js';
import { InputError } from '../errors.js';
import { progress, type Logger } from '../log.js';
import { formatOf, missingColumnsMessage, readHeader, resolveInputs, sha256File } from './resolveInputs.js';
import { specs, type InputKind, type InputSpec } from './specs.js';
import { stageFile } from './stageFile.js';
import { validateStage } from './validateStage.js';

export interface IngestOptions {
  runId: string;
  runTime: Date;
  currency: string;
  delimiter: string;
  /** Canonical column name -> the name in the files, per kind. */
  columns: Record<InputKind, Record<string, string>>;
  /** CSV of currency,rate converting amounts into `currency`. */
  exchangeRates?: string;
}

/** The ingest options a configuration gives, for one run. */
export function ingestOptions(config: Config, runId: string, runTime: Date): IngestOptions {
  return { runId, runTime, currency: config.currency, delimiter: config.csv.delimiter, columns: config.columns, exchangeRates: config.exchangeRates };
}

/** What one input file contributed; rows_read = accepted + rejected + duplicate. */
export interface FileIngest {
  path: string;
  kind: InputKind;
  sha256: string;
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  rows_duplicate: number;
  /** Of the accepted: keys not seen before, and keys whose stored row changed. */
  rows_new: number;
  rows_updated: number;
  /** False when line numbers could not be matched exactly (records spanning lines). */
  exact_lines: boolean;
}

export type IngestInputs = Partial<Record<InputKind, string[]>>;

/**
 * Loads every input file into its table: each file is staged through
 * DuckDB's readers, typed and checked in SQL, and merged by key in one
 * transaction. Rows that cannot be used go to `rejected_rows` with file,
 * line, raw text and reason; exact repeats count as duplicates; a changed
 * row for a known key replaces the stored one. Files are checked (exist,
 * header, required columns) before anything is written.
 */
export async function ingestInputs(db: Database, inputs: IngestInputs, options: IngestOptions, log: Logger): Promise<FileIngest[]> {
  const plan: { kind: InputKind; path: string; header: string[]; columnMap: Map<string, string | undefined> }[] = [];
  for (const kind of ['orders', 'customers', 'tickets'] as const) {
    const patterns = inputs[kind] ?? [];
    if (patterns.length === 0) continue;
    for (const path of await resolveInputs(db, patterns)) {
      const spec = specs[kind];
      const format = formatOf(path);
      const header = await readHeader(db, path, format, options.delimiter);
      const mapping = options.columns[kind];
      const missing = spec.columns.filter((c) => c.required && !header.includes(mapping[c.name] ?? c.name));
      if (missing.length) {
        throw new InputError(missingColumnsMessage(path, missing.map((c) => mapping[c.name] ?? c.name), header, options.delimiter));
      }
      const columnMap = new Map(spec.columns.map((c) => {
        const actual = mapping[c.name] ?? c.name;
        return [c.name, header.includes(actual) ? actual : undefined] as const;
      }));
      plan.push({ kind, path, header, columnMap });
    }
  }

  await loadExchangeRates(db, options.exchangeRates);
  const results: FileIngest[] = [];
  const bar = progress('ingest: files', plan.length);
  for (const item of plan) {
    bar.tick(results.length);
    const started = Date.now();
    const spec = specs[item.kind];
    const staged = await stageFile(db, item.path, formatOf(item.path), item.columnMap, item.header, options.delimiter);
    const checked = await validateStage(db, spec, { runTime: options.runTime, currency: options.currency }, staged.relation);
    const counts = await db.transaction(() => mergeChecked(db, spec, item.path, options.runId, checked.inFileOrder));
    const result: FileIngest = {
      path: item.path,
      kind: item.kind,
      sha256: await sha256File(item.path),
      rows_read: staged.rowsRead,
      ...counts,
      exact_lines: staged.exactLines,
    };
    if (result.rows_read !== result.rows_accepted + result.rows_rejected + result.rows_duplicate) {
      throw new Error(`ingest accounting is off for ${item.path}: ${JSON.stringify(result)}`);
    }
    if (!staged.exactLines) log.warn({ file: item.path }, 'records span several lines: rejected rows carry a rebuilt text and no line number');
    log.info({ ...result, seconds: (Date.now() - started) / 1000 }, `ingested ${item.kind}`);
    results.push(result);
  }
  bar.end();
  await db.run('DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS stage_records; DROP TABLE IF EXISTS checked; DROP TABLE IF EXISTS stage_lines');
  return results;
}

async function loadExchangeRates(db: Database, path: string | undefined): Promise<void> {
  await db.run('CREATE OR REPLACE TEMP TABLE fx (currency VARCHAR, rate DECIMAL(18, 8))');
  if (!path) return;
  try {
    await db.run(`INSERT INTO fx SELECT upper(trim(currency)), rate FROM read_csv(${literal(path)}, header = true,
      columns = {'currency': 'VARCHAR', 'rate': 'DECIMAL(18, 8)'}, auto_detect = false)`);
  } catch (err) {
    throw new InputError(`exchange-rate file ${path} cannot be read as CSV currency,rate: ${(err as Error).message}`);
  }
}

/**
 * Merges temp table `checked` into the spec's table and records its rejects.
 * Into an empty table every accepted row is new: then there is nothing to
 * match, delete or re-sort (`inFileOrder`: checked is already in file order).
 */
async function mergeChecked(db: Database, spec: InputSpec, path: string, runId: string, inFileOrder: boolean) {
  await db.run(
    `INSERT INTO rejected_rows (run_id, kind, file, line, raw, reason)
     SELECT $run_id, $kind, $file, c.line, coalesce(c.raw, l.raw), c.reason
     FROM checked c LEFT JOIN stage_lines l ON l.line = c.line AND c.raw IS NULL
     WHERE c.status = 'rejected' ORDER BY c.line`,
    { run_id: runId, kind: spec.kind, file: path },
  );
  const key = ident(spec.key);
  const cols = spec.columns.map((c) => c.name);
  const stored = (c: string) => (spec.kind === 'orders' && c === 'amount' ? 'amount_original' : c);
  const empty = !(await db.value<boolean>(`SELECT EXISTS (SELECT 1 FROM ${ident(spec.table)})`));
  if (empty) {
    await db.run(`CREATE OR REPLACE TEMP VIEW merge_plan AS SELECT *, 'new' AS outcome FROM checked WHERE status = 'ok'`);
  } else {
    const same = cols.map((c) => `s.${ident(stored(c))} IS NOT DISTINCT FROM c.${ident(c)}`).join(' AND ');
    await db.run(`CREATE OR REPLACE TEMP TABLE merge_plan AS
      SELECT c.*, CASE WHEN s.${key} IS NULL THEN 'new' WHEN ${same} THEN 'duplicate' ELSE 'updated' END AS outcome
      FROM checked c LEFT JOIN ${ident(spec.table)} s ON s.${key} = c.${key}
      WHERE c.status = 'ok'`);
    await db.run(`DELETE FROM ${ident(spec.table)} WHERE ${key} IN (SELECT ${key} FROM merge_plan WHERE outcome = 'updated')`);
  }

  const insertCols = [...cols];
  const values = cols.map((c) => `m.${ident(c)}`);
  if (spec.timestamp) {
    insertCols.push(spec.timestamp.dateColumn);
    values.push(`CAST(m.${ident(spec.timestamp.column)} AS DATE)`);
  }
  const converts = spec.kind === 'orders' && (await db.value<number>('SELECT count(*) FROM fx')) > 0;
  if (spec.kind === 'orders') {
    // amount is kept in the configured currency; the file's value stays in amount_original.
    insertCols.push('amount_original');
    if (converts) values[cols.indexOf('amount')] = 'CAST(m.amount * coalesce(fx.rate, 1) AS DECIMAL(18, 2))';
    values.push('m.amount');
  }
  insertCols.push('source_file', 'source_line', 'loaded_run');
  values.push('$file', 'm.line', '$run_id');
  await db.run(
    `INSERT INTO ${ident(spec.table)} (${insertCols.map(ident).join(', ')})
     SELECT ${values.join(', ')} FROM merge_plan m
     ${converts ? 'LEFT JOIN fx ON fx.currency = upper(m.currency)' : ''}
     WHERE m.outcome IN ('new', 'updated') ${empty && inFileOrder && !converts ? '' : 'ORDER BY m.line'}`,
    { file: path, run_id: runId },
  );
  const row = await db.one<Record<string, number>>(`SELECT
      count(*) FILTER (WHERE status = 'ok') - (SELECT count(*) FROM merge_plan WHERE outcome = 'duplicate') AS rows_accepted,
      count(*) FILTER (WHERE status = 'rejected') AS rows_rejected,
      count(*) FILTER (WHERE status = 'duplicate') + (SELECT count(*) FROM merge_plan WHERE outcome = 'duplicate') AS rows_duplicate,
      (SELECT count(*) FROM merge_plan WHERE outcome = 'new') AS rows_new,
      (SELECT count(*) FROM merge_plan WHERE outcome = 'updated') AS rows_updated
    FROM checked`);
  await db.run(empty ? 'DROP VIEW merge_plan' : 'DROP TABLE merge_plan');
  return {
    rows_accepted: row!.rows_accepted!,
    rows_rejected: row!.rows_rejected!,
    rows_duplicate: row!.rows_duplicate!,
    rows_new: row!.rows_new!,
    rows_updated: row!.rows_updated!,
  };
}
