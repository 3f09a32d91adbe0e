import { literal, type Database } from '../db/Database.js';
import { FREQUENCY_EDGES, RECENCY_EDGES, learnRfTable, type RfCell, type RfCounts } from '../learn/rfTableModel.js';

/** A column's bucket among `edges` in SQL: the first edge it is below, or past the last. */
const bucket = (column: string, edges: readonly number[]) =>
  `CASE ${edges.map((e, i) => `WHEN ${column} < ${e} THEN ${i}`).join(' ')} ELSE ${edges.length} END`;

const recencyBucket = (column = 'recency_days') => bucket(column, RECENCY_EDGES);
const frequencyBucket = (column = 'purchase_days') => bucket(column, FREQUENCY_EDGES);

/** Learns the recency-frequency table (learn/rfTableModel.ts) from `training_snapshots` rows whose split is in `splits`. */
export async function trainRfTable(db: Database, splits: string[]): Promise<{ cells: RfCell[]; version: string }> {
  const rows = await db.all<RfCounts & Record<string, unknown>>(
    `SELECT ${recencyBucket()} AS r, ${frequencyBucket()} AS f, count(*) AS n,
       sum(CASE WHEN churned THEN 1 ELSE 0 END) AS churned,
       sum(future_orders) AS purchases,
       -- summed as DECIMAL, exact, so that the table does not depend on the threads' order
       CAST(sum(CAST(future_spend / greatest(avg_order_value, 1) AS DECIMAL(18, 6))) AS DOUBLE) AS spend_ratio
     FROM training_snapshots WHERE split IN (${splits.map(literal).join(', ')}) GROUP BY ALL ORDER BY r, f`,
  );
  return learnRfTable(rows);
}

/**
 * Applies the table to every row of `source` (a features table or query
 * with recency_days, purchase_days, avg_order_value), creating `target`
 * with customer_id, churn_probability, expected_purchases, predicted_value.
 */
export async function applyRfTable(db: Database, cells: RfCell[], source: string, target: string): Promise<void> {
  await db.run('CREATE OR REPLACE TEMP TABLE rf_cells (r INTEGER, f INTEGER, churn_rate DOUBLE, purchases DOUBLE, spend_per_aov DOUBLE)');
  await db.run(
    `INSERT INTO rf_cells SELECT * FROM (VALUES ${cells.map(() => '(?, ?, ?, ?, ?)').join(', ')})`,
    cells.flatMap((c) => [c.r, c.f, c.churn_rate, c.purchases, c.spend_per_aov]),
  );
  await db.run(`CREATE OR REPLACE TABLE ${target} AS
    SELECT s.customer_id, c.churn_rate AS churn_probability, c.purchases AS expected_purchases,
      c.spend_per_aov * greatest(CAST(s.avg_order_value AS DOUBLE), 1) AS predicted_value
    FROM ${source} s JOIN rf_cells c ON c.r = ${recencyBucket('s.recency_days')} AND c.f = ${frequencyBucket('s.purchase_days')}`);
}
