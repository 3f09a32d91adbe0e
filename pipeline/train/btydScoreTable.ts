import type { BtydModels } from '../btyd/fitBtyd.js';
import { btydHistoryScorer, INTERVAL_GRID, type BtydScoreOptions } from '../btyd/scoreBtyd.js';
import { dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { summaryParams, summarySql } from '../features/btydSummary.js';

export interface BtydTableOptions extends BtydScoreOptions {
  /** A table made by createBtydSummary for the same as-of, unit and grid, shared by several models' scores (kept). */
  summary?: string;
  /** Whether the table's rows are written in customer order (the default); the score stage's readers join it by customer and leave it unsorted. */
  ordered?: boolean;
}

/** The customers' summaries at `asOf` with their order-value bin (INTERVAL_GRID's logSpendStep): the one pass over the orders. */
export async function createBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID, orders = 'orders'): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${summarySql()})`, summaryParams(orders, asOf, unitDays));
}

/**
 * The same summary (createBtydSummary's rows, bit for bit) for the customers
 * of customer_features at its own as-of `asOf` (btyd_features_summary.sql):
 * x, t_x and T from what customer_features already aggregated, and one
 * pass over the orders for the repeat value alone, a sum per customer
 * instead of a sum per customer and day joined to two more aggregates.
 */
export async function createFeaturesBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${readSql('train/btyd_features_summary.sql')})`, { as_of: dateParam(asOf), unit_days: unitDays });
}

/**
 * Scores every customer with purchases up to `asOf` (the orders table)
 * into table `target` (btyd/scoreBtyd.ts, BTYD_SCORE_COLUMNS): p_alive;
 * p_no_purchase (the BG/NBD family's P(no purchase in the horizon), NULL
 * for Pareto/NBD); expected purchases over the horizon; the Gamma-Gamma
 * expected order value; expected spend over the horizon; the 12-month CLV
 * (the discounted monthly purchases times the expected order value); and
 * the 10th and 90th percentiles of expected purchases and CLV over draws
 * of the parameters from their estimated uncertainty (BTYD and Gamma-Gamma
 * together), taken per neighbourhood of histories as ratios to the point
 * estimate. The figures are computed once per distinct history (x, t_x, T),
 * once per neighbourhood and once per distinct (x, mean repeat value), in
 * batches of `batchRows`, and joined back to the customers in SQL: a
 * million customers hold far fewer histories, and no figure is written row
 * by row.
 */
export async function scoreBtyd(db: Database, models: BtydModels, asOf: string, target: string, options: BtydTableOptions): Promise<number> {
  const o: BtydTableOptions = { from: asOf, ...options };
  const g = o.intervalGrid ?? INTERVAL_GRID;
  const scorer = btydHistoryScorer(models, o);
  // Work tables (batches read committed tables, not temp ones), dropped at the end.
  const summary = options.summary ?? `${target}__summary`;
  const [perHistory, perNeighbourhood, perValue] = [`${target}__histories`, `${target}__ratios`, `${target}__values`];
  try {
    if (!options.summary) await createBtydSummary(db, summary, asOf, models.unit_days, g);
    // Each distinct history's point figures once (customers with the same history share them), and its neighbourhood.
    await db.run(`CREATE OR REPLACE TABLE ${perHistory} (x DOUBLE, t_x DOUBLE, "T" DOUBLE, p_alive DOUBLE, p_no_purchase DOUBLE,
      horizon DOUBLE, monthly DOUBLE, xr DOUBLE, txr DOUBLE, "Tr" DOUBLE)`);
    for await (const batch of db.batches(`SELECT DISTINCT x, t_x, "T" FROM ${summary}`, undefined, options.batchRows)) {
      const [x, t_x, T] = [batch.columns.x as Float64Array, batch.columns.t_x as Float64Array, batch.columns.T as Float64Array];
      const cols = Array.from({ length: 7 }, () => new Float64Array(batch.n));
      for (let i = 0; i < batch.n; i++) {
        const p = scorer.point(x[i]!, t_x[i]!, T[i]!);
        const [xr, txr, Tr] = scorer.neighbourhood(x[i]!, t_x[i]!, T[i]!);
        [cols[0]![i], cols[1]![i], cols[2]![i], cols[3]![i], cols[4]![i], cols[5]![i], cols[6]![i]] = [p.pAlive, p.pNone, p.horizon, p.monthly, xr, txr, Tr];
      }
      await db.appendColumns(perHistory, [x, t_x, T, ...cols]);
    }
    // The intervals' ratios once per neighbourhood and order-value bin.
    await db.run(`CREATE OR REPLACE TABLE ${perNeighbourhood} (xr DOUBLE, txr DOUBLE, "Tr" DOUBLE, zbin DOUBLE,
      purchases_p10 DOUBLE, purchases_p90 DOUBLE, clv_p10 DOUBLE, clv_p90 DOUBLE)`);
    if (scorer.ratios) {
      const keys = `SELECT DISTINCT h.xr, h.txr, h."Tr", s.zbin FROM ${summary} s JOIN ${perHistory} h USING (x, t_x, "T")`;
      for await (const batch of db.batches(keys, undefined, options.batchRows)) {
        const c = batch.columns as Record<string, Float64Array>;
        const cols = Array.from({ length: 4 }, () => new Float64Array(batch.n));
        for (let i = 0; i < batch.n; i++) {
          const zbin = Number.isNaN(c.zbin![i]!) ? null : c.zbin![i]!;
          const r = scorer.ratios(c.xr![i]!, c.txr![i]!, c.Tr![i]!, zbin);
          [cols[0]![i], cols[1]![i], cols[2]![i], cols[3]![i]] = [r.purchases[0], r.purchases[1], r.clv[0], r.clv[1]];
        }
        await db.appendColumns(perNeighbourhood, [c.xr!, c.txr!, c.Tr!, c.zbin!, ...cols]);
      }
    }
    // Gamma-Gamma's expected order value once per distinct repeat count and mean repeat value (NULL without repeats: NaN here).
    await db.run(`CREATE OR REPLACE TABLE ${perValue} (x DOUBLE, mean_repeat_value DOUBLE, expected_order_value DOUBLE)`);
    for await (const batch of db.batches(`SELECT DISTINCT x, mean_repeat_value FROM ${summary}`, undefined, options.batchRows)) {
      const [x, zbar] = [batch.columns.x as Float64Array, batch.columns.mean_repeat_value as Float64Array];
      const value = new Float64Array(batch.n);
      for (let i = 0; i < batch.n; i++) value[i] = scorer.orderValue(x[i]!, zbar[i]!);
      await db.appendColumns(perValue, [x, zbar, value]);
    }
    // Every customer's figures from their history's, neighbourhood's and order value's.
    await db.run(`CREATE OR REPLACE TABLE ${target} AS
      WITH v AS (
        SELECT s.customer_id, h.*, r.purchases_p10, r.purchases_p90, r.clv_p10, r.clv_p90, e.expected_order_value
        FROM ${summary} s JOIN ${perHistory} h USING (x, t_x, "T")
        JOIN ${perValue} e ON e.x = s.x AND e.mean_repeat_value IS NOT DISTINCT FROM s.mean_repeat_value
        LEFT JOIN ${perNeighbourhood} r ON r.xr = h.xr AND r.txr = h.txr AND r."Tr" = h."Tr" AND r.zbin IS NOT DISTINCT FROM s.zbin
      )
      SELECT customer_id, p_alive, p_no_purchase, horizon AS expected_purchases,
        horizon * purchases_p10 AS expected_purchases_p10, horizon * purchases_p90 AS expected_purchases_p90,
        expected_order_value, horizon * expected_order_value AS expected_spend, monthly * expected_order_value AS clv_12m,
        (monthly * expected_order_value) * clv_p10 AS clv_12m_p10, (monthly * expected_order_value) * clv_p90 AS clv_12m_p90
      FROM v${options.ordered === false ? '' : ' ORDER BY customer_id'}`);
    return (await db.value<number>(`SELECT count(*) FROM ${target}`))!;
  } finally {
    if (!options.summary) await db.run(`DROP TABLE IF EXISTS ${summary}`);
    await db.run(`DROP TABLE IF EXISTS ${perHistory}; DROP TABLE IF EXISTS ${perNeighbourhood}; DROP TABLE IF EXISTS ${perValue}`);
  }
}
