import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { literal, type Database } from '../db/Database.js';
import { copyCsv } from '../db/csvCopy.js';
import { readSql } from '../db/sqlFile.js';
import type { Step } from '../measure.js';
import { ACTION_EFFECTS_ORDER } from './buildActionEffects.js';

/** The tables BI tools read, copied whole into the published database. */
const PUBLISHED_TABLES = ['customer_scores', 'kpis_monthly', 'kpis_by_group', 'action_effects', 'personas', 'segment_personas', 'persona_choice'] as const;

/** customer_scores, action_effects and personas as Parquet and CSV, the KPI tables and the segments' persona mix as CSV, in a stable order. */
export async function writeTableFiles(db: Database, dir: string): Promise<void> {
  await db.run(`COPY (SELECT * FROM customer_scores ORDER BY customer_id) TO ${literal(join(dir, 'customer_scores.parquet'))} (FORMAT parquet)`);
  // CSV text is made spreadsheet-safe (a customer id "=HYPERLINK(...)" is written '=HYPERLINK(...)); Parquet keeps it.
  await copyCsv(db, 'SELECT * FROM customer_scores ORDER BY customer_id', join(dir, 'customer_scores.csv'));
  await copyCsv(db, 'SELECT * FROM kpis_monthly ORDER BY month', join(dir, 'kpis_monthly.csv'));
  await copyCsv(db, 'SELECT * FROM kpis_by_group ORDER BY dimension, grp', join(dir, 'kpis_by_group.csv'));
  await db.run(`COPY (SELECT * FROM action_effects ORDER BY ${ACTION_EFFECTS_ORDER}) TO ${literal(join(dir, 'action_effects.parquet'))} (FORMAT parquet)`);
  await copyCsv(db, `SELECT * FROM action_effects ORDER BY ${ACTION_EFFECTS_ORDER}`, join(dir, 'action_effects.csv'));
  await db.run(`COPY (SELECT * FROM personas ORDER BY persona_id) TO ${literal(join(dir, 'personas.parquet'))} (FORMAT parquet)`);
  await copyCsv(db, 'SELECT * FROM personas ORDER BY persona_id', join(dir, 'personas.csv'));
  await copyCsv(db, 'SELECT * FROM segment_personas ORDER BY segment, persona_id', join(dir, 'segment_personas.csv'));
}

/**
 * The read-only copy for BI tools (they never hold the working database):
 * the published tables, this run's rejected rows, the customers' countries,
 * and the score history with this run's rows (customer_scores_history.sql)
 * already in it.
 */
export async function writeDatabaseCopy(db: Database, path: string, runId: string, horizonDays: number): Promise<void> {
  await db.run(`ATTACH ${literal(path)} AS publication`);
  try {
    for (const table of PUBLISHED_TABLES) await db.run(`CREATE TABLE publication.${table} AS SELECT * FROM ${table}`);
    await db.run('CREATE TABLE publication.rejected_rows AS SELECT * FROM rejected_rows WHERE run_id = $run_id', { run_id: runId });
    // Countries, for `fidelio list --country` on the copy.
    await db.run('CREATE TABLE publication.customers AS SELECT customer_id, country FROM customers ORDER BY customer_id');
    await db.run(`CREATE TABLE publication.customer_scores_history AS SELECT * FROM customer_scores_history
      UNION ALL ${readSql('publish/customer_scores_history.sql')}`, { run_id: runId, horizon: horizonDays });
  } finally {
    await db.run('DETACH publication');
  }
}

/** Writes a JSON file with a trailing newline. */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** The whole release folder's content but the manifest, each part timed. */
export async function writeRelease(db: Database, dir: string, runId: string, horizonDays: number, metrics: unknown, report: () => Promise<string>, step: Step): Promise<void> {
  await step('Parquet and CSV files', () => writeTableFiles(db, dir));
  writeJson(join(dir, 'model_metrics.json'), metrics);
  const html = await step('report', report);
  writeFileSync(join(dir, 'report.html'), html);
  await step('database copy', () => writeDatabaseCopy(db, join(dir, 'fidelio.duckdb'), runId, horizonDays));
}
