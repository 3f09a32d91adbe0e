import type { CustomerSummary } from '../btyd/summary.js';
import type { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/** Customers' BTYD histories (x, t_x, T), in customer order: what BG/NBD is fitted on and applied to. */
export interface Histories {
  ids: (string | null)[];
  rows: CustomerSummary[];
}

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
  const x = cols.x as Float64Array;
  const t_x = cols.t_x as Float64Array;
  const T = cols.T as Float64Array;
  return { ids: cols.customer_id as (string | null)[], rows: Array.from(x, (_, i) => ({ x: x[i]!, t_x: t_x[i]!, T: T[i]! })) };
}
