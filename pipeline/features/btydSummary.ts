import type { Summary } from '../btyd/summary.js';
import { dateParam, type Columns, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/** The BTYD summary query (btyd_summary.sql): bind $source (a table name), $calibration_end (DATE) and $unit_days. */
export const summarySql = (): string => readSql('features/btyd_summary.sql');

/** The summary query's parameters: the orders of table `source` up to `calibrationEnd`, in units of `unitDays` days. */
export const summaryParams = (source: string, calibrationEnd: string, unitDays: number) => ({
  source, calibration_end: dateParam(calibrationEnd), unit_days: unitDays,
});

/** Columns of a summary query's result as summary rows (btyd/summary.ts). */
export function toSummary(cols: Columns): Summary {
  const x = cols.x as Float64Array;
  const t_x = cols.t_x as Float64Array;
  const T = cols.T as Float64Array;
  const m = cols.mean_repeat_value as Float64Array;
  return {
    ids: cols.customer_id as (string | null)[],
    rows: Array.from(x, (_, i) => ({ x: x[i]!, t_x: t_x[i]!, T: T[i]!, mean_repeat_value: m[i]! })),
  };
}

/** The summaries at `calibrationEnd` of the orders in table `source`. */
export async function readSummary(db: Database, source: string, calibrationEnd: string, unitDays: number): Promise<Summary> {
  return toSummary(await db.columns(summarySql(), summaryParams(source, calibrationEnd, unitDays)));
}

/**
 * The summaries at each of `cutoffs` of the orders in table `source`, in one
 * query (btyd_summaries.sql): each the rows readSummary gives at that cutoff.
 */
export async function readSummaries(db: Database, source: string, cutoffs: readonly string[], unitDays: number): Promise<Map<string, Summary>> {
  await db.run('CREATE OR REPLACE TEMP TABLE summary_cutoffs (position INTEGER, as_of DATE)');
  try {
    for (const [i, c] of cutoffs.entries()) await db.run('INSERT INTO summary_cutoffs VALUES ($1, $2)', [i, dateParam(c)]);
    const cols = await db.columns(readSql('features/btyd_summaries.sql'), { cutoffs: 'summary_cutoffs', source, unit_days: unitDays });
    const position = cols.position as Float64Array;
    const out = new Map<string, Summary>(cutoffs.map((c) => [c, { ids: [], rows: [] }]));
    const all = toSummary(cols);
    // Rows come by position, then customer: each cutoff's are one run of them.
    for (let i = 0; i < position.length; i++) {
      const s = out.get(cutoffs[position[i]!]!)!;
      s.ids.push(all.ids[i] ?? null);
      s.rows.push(all.rows[i]!);
    }
    return out;
  } finally {
    await db.run('DROP TABLE IF EXISTS summary_cutoffs');
  }
}
