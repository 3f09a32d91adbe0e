import type { Database } from '../db/Database.js';
import type { FileIngest } from '../manifest.js';
import { InputError } from '../errors.js';
import { progress, type Logger } from '../log.js';
import { formatOf, missingColumnsMessage, readHeader, resolveInputs, sha256File } from './resolveInputs.js';
import { specs, type InputKind } from '../shared/inputSpecs.js';
import { loadExchangeRates } from './exchangeRates.js';
import { mergeChecked } from './mergeChecked.js';
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

/** The files (paths or globs) of each input kind. */
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
