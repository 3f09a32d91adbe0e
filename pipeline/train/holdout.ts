import type { Database } from '../db/Database.js';

/**
 * The holdout labels joined with a scores table, as columns, in customer
 * order: churned (0/1), future_orders, future_spend, recency_days, net_spend
 * (the historic value at the cutoff), and the
 * scores table's columns.
 */
export async function holdoutColumns(db: Database, scoresTable: string, scoreColumns: string[]): Promise<Record<string, Float64Array>> {
  return db.columns(`SELECT h.customer_id, CAST(h.churned AS DOUBLE) AS churned, CAST(h.future_orders AS DOUBLE) AS future_orders,
      CAST(h.future_spend AS DOUBLE) AS future_spend, CAST(h.recency_days AS DOUBLE) AS recency_days, CAST(h.net_spend AS DOUBLE) AS net_spend,
      ${scoreColumns.map((c) => `CAST(s.${c} AS DOUBLE) AS ${c}`).join(', ')}
    FROM training_snapshots h JOIN ${scoresTable} s USING (customer_id)
    WHERE h.split = 'holdout' ORDER BY h.customer_id`) as Promise<Record<string, Float64Array>>;
}
