import type { CustomerSummary } from '../btyd/summary.js';
import type { Database, Params } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/** Customers' BTYD histories (x, t_x, T) as columns, in customer order: what BG/NBD is fitted on and applied to. */
export interface Histories {
  ids: (string | null)[];
  x: Float64Array;
  t_x: Float64Array;
  T: Float64Array;
}

/** Histories' numbers alone. */
export type HistoryColumns = Pick<Histories, 'x' | 't_x' | 'T'>;

/** The histories as rows, for a fit (a million customers' are applied as columns, never made into rows). */
export const historyRows = (h: HistoryColumns): CustomerSummary[] => Array.from(h.x, (x, i) => ({ x, t_x: h.t_x[i]!, T: h.T[i]! }));

/**
 * The BTYD histories at customer_features' as-of (btyd_histories.sql):
 * every customer's, or only those training_sample marks fits_btyd
 * (`whose` 'fit'). The same x, t_x and T as the summary query over the
 * orders at that date (btydSummary.ts), without reading the orders again.
 */
export async function readHistories(db: Database, whose: 'all' | 'fit', unitDays: number): Promise<Histories> {
  const sql = readSql('features/btyd_histories.sql');
  const cols = await db.columns(whose === 'all' ? sql
    : `SELECT * FROM (${sql}) WHERE customer_id IN (SELECT customer_id FROM training_sample WHERE fits_btyd) ORDER BY customer_id`, { unit_days: unitDays });
  return { ids: cols.customer_id as (string | null)[], x: cols.x as Float64Array, t_x: cols.t_x as Float64Array, T: cols.T as Float64Array };
}

/** The x, t_x and T columns of query `sql` (with its `params`), in its rows' order. */
export async function historyColumns(db: Database, sql: string, params?: Params): Promise<HistoryColumns> {
  const cols = await db.columns(sql, params);
  return { x: cols.x as Float64Array, t_x: cols.t_x as Float64Array, T: cols.T as Float64Array };
}
