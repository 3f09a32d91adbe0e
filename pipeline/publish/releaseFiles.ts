import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ident, literal, type Database } from '../db/Database.js';
import { copyCsv } from '../db/csvCopy.js';
import { readSql } from '../db/sqlFile.js';
import type { Step } from '../measure.js';
import { ACTION_EFFECTS_ORDER } from '../effects/buildActionEffects.js';
import { DATA_DICTIONARY } from '../shared/dataDictionary.js';
import { COPIED_CUSTOMER_COLUMNS, copiedPrints, startFromPrevious, type HistoryCheck } from './previousCopy.js';
import { releaseReadme, type ReleaseFacts } from './releaseReadme.js';

/** The tables BI tools read, copied whole into the published database. */
const PUBLISHED_TABLES = ['customer_scores', 'kpis_monthly', 'kpis_by_group', 'action_effects', 'personas', 'segment_personas', 'persona_choice'] as const;

/** The order each published file's rows are written in (a stable order: the same bytes on every run). */
const FILE_ORDER: Record<string, string> = {
  customer_scores: 'customer_id', kpis_monthly: 'month', kpis_by_group: 'dimension, grp', action_effects: ACTION_EFFECTS_ORDER,
  personas: 'persona_id', segment_personas: 'segment, persona_id', persona_choice: 'k',
};

/**
 * Every table the data dictionary publishes as files, as Parquet and CSV
 * (its sinks say which), in a stable order. CSV text is made
 * spreadsheet-safe (a customer id "=HYPERLINK(...)" is written
 * '=HYPERLINK(...)); Parquet keeps it.
 */
export async function writeTableFiles(db: Database, dir: string): Promise<void> {
  for (const entry of DATA_DICTIONARY) {
    const order = FILE_ORDER[entry.name];
    if (!order || !(entry.sinks.includes('parquet') || entry.sinks.includes('csv'))) continue;
    const select = `SELECT * FROM ${entry.name}${await storedInOrder(db, entry.name, order) ? '' : ` ORDER BY ${order}`}`;
    if (entry.sinks.includes('parquet')) await db.run(`COPY (${select}) TO ${literal(join(dir, `${entry.name}.parquet`))} (FORMAT parquet)`);
    if (entry.sinks.includes('csv')) await copyCsv(db, select, join(dir, `${entry.name}.csv`));
  }
}

/**
 * Whether a scan of `table` gives its rows in the order ORDER BY `order` would: `order` is one
 * column, no value of it is NULL, each row's value (in rowid order, the order a scan reads) is
 * greater than the row's before it, and the connection keeps a scan's order in what it writes
 * (preserve_insertion_order). Then its files are written from a scan, not sorted again: the
 * score stage leaves customer_scores in customer_id order, and a million rows were sorted once
 * for each file. Each row is set beside the next by position (the table's scan beside the same
 * scan less its first row: DuckDB runs each side of a positional join on one thread, in scan
 * order), in one pass: a window over rowid sorted the million rows first (for customer_scores,
 * 0.15-0.30 s alone and 0.49 s in a profiled daily run, against 0.05 s alone).
 */
export async function storedInOrder(db: Database, table: string, order: string): Promise<boolean> {
  // (A view is not stored, its rows come from its query at each read: customer_scores after a publication, published
  // again without scoring.)
  if (!/^[a-z_][a-z0-9_]*$/.test(order) || (await db.isView(table))) return false;
  const key = ident(order);
  return await db.value<boolean>(`SELECT current_setting('preserve_insertion_order') AND NOT EXISTS (
    SELECT 1 FROM (SELECT ${key} AS k FROM ${ident(table)}) POSITIONAL JOIN (SELECT ${key} AS next FROM ${ident(table)} OFFSET 1)
    WHERE k IS NULL OR k >= next)`);
}

/** The tables of the read-only copy: the published ones, this run's rejected rows, the customers, the score history. */
export const COPY_TABLES = [...PUBLISHED_TABLES, 'rejected_rows', 'customers', 'customer_scores_history'] as const;

/**
 * The read-only copy for BI tools (they never hold the working database):
 * the published tables, this run's rejected rows, the customers' countries,
 * and the score history with this run's rows (customer_scores_history.sql)
 * already in it. Given the previous release's copy, the history already in
 * it is kept when it is the working database's, row for row
 * (previousCopy.ts), and this run's rows are appended: the history, which
 * grows with every run, is not written again; nor are the customers when the
 * previous copy's are the working ones (the copy its publication recorded,
 * with the same print of them). Returns whether the history was kept, how its
 * rows were known to be the working ones, and whether the customers were kept.
 */
export async function writeDatabaseCopy(db: Database, path: string, runId: string, horizonDays: number, previous?: string): Promise<{ historyKept: boolean; check?: HistoryCheck; customersKept?: boolean }> {
  const check = previous !== undefined ? await startFromPrevious(db, previous, path, COPY_TABLES, await copiedPrints(db)) : undefined;
  const historyKept = check !== undefined;
  if (!historyKept) await db.run(`ATTACH ${literal(path)} AS publication`);
  let customersKept = false;
  try {
    customersKept = historyKept && (await db.value<number>(`SELECT count(*) FROM duckdb_tables() WHERE database_name = 'publication' AND table_name = 'customers'`)) > 0;
    for (const table of PUBLISHED_TABLES) await db.run(`CREATE TABLE publication.${table} AS SELECT * FROM ${table}`);
    await db.run('CREATE TABLE publication.rejected_rows AS SELECT * FROM rejected_rows WHERE run_id = $run_id', { run_id: runId });
    // Countries, for `fidelio list --country` on the copy; names and emails, for its lists.
    if (!customersKept) await db.run(`CREATE TABLE publication.customers AS SELECT ${COPIED_CUSTOMER_COLUMNS.map(ident).join(', ')} FROM customers ORDER BY customer_id`);
    if (historyKept) {
      await db.run(`INSERT INTO publication.customer_scores_history ${readSql('publish/customer_scores_history.sql')}`, { run_id: runId, horizon: horizonDays });
    } else {
      await db.run(`CREATE TABLE publication.customer_scores_history AS SELECT * FROM customer_scores_history
        UNION ALL ${readSql('publish/customer_scores_history.sql')}`, { run_id: runId, horizon: horizonDays });
    }
  } finally {
    await db.run('DETACH publication');
  }
  return { historyKept, ...(check ? { check } : {}), ...(customersKept ? { customersKept } : {}) };
}

/** Writes a JSON file with a trailing newline. */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * The whole release folder's content but the manifest, each part timed; `previousCopy`: the published release's
 * database copy, if any. The database copy is written on a connection of its own while the files are written on
 * `db`'s: each has long single-threaded parts (compressing a table into the copy, a window over a whole table) that
 * the other's work fills. The report (`report`, given the connection to read with) is made on the connection of
 * whichever of the two ends first, while the other ends. Everything finishes before this returns or throws.
 */
export async function writeRelease(db: Database, dir: string, runId: string, horizonDays: number, metrics: unknown, report: (on: Database) => Promise<string>, step: Step, facts?: ReleaseFacts, previousCopy?: string): Promise<void> {
  const other = await db.beside();
  try {
    const copy = step('database copy', () => writeDatabaseCopy(other, join(dir, 'fidelio.duckdb'), runId, horizonDays, previousCopy));
    const files = (async () => {
      await step('Parquet and CSV files', () => writeTableFiles(db, dir));
      // What the folder's files are, generated from the data dictionary.
      if (facts) writeFileSync(join(dir, 'README.md'), releaseReadme(facts));
      writeJson(join(dir, 'model_metrics.json'), metrics);
    })();
    // The first connection free (undefined where a part failed first: no report, the failure is thrown below).
    const free = Promise.race([copy.then(() => other, () => undefined), files.then(() => db, () => undefined)]);
    const reported = (async () => {
      const on = await free;
      if (!on) return;
      const html = await step('report', () => report(on));
      writeFileSync(join(dir, 'report.html'), html);
    })();
    const failed = (await Promise.allSettled([files, copy, reported])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    other.close();
  }
}
