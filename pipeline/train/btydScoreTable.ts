import type { BtydModels } from '../btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS, btydHistoryScorer, INTERVAL_GRID, type BtydScoreOptions } from '../btyd/scoreBtyd.js';
import { dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { summaryParams, summarySql } from '../features/btydSummary.js';

export interface BtydTableOptions extends BtydScoreOptions {
  /** A table made by createBtydSummary for the same as-of, unit and grid, shared by several models' scores (kept). */
  summary?: string;
  /** Whether the table's rows are written in customer order (the default); the score stage's readers join it by customer and leave it unsorted. */
  ordered?: boolean;
}

/**
 * The customers' summaries at `asOf` with their order-value bin (INTERVAL_GRID's logSpendStep): the one pass over
 * the orders. Stored in history order (x, t_x, T): scoreBtyd computes a history's figures once for its run of rows.
 */
export async function createBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID, orders = 'orders'): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${summarySql()}) ORDER BY x, t_x, "T"`, summaryParams(orders, asOf, unitDays));
}

/**
 * The same summary (createBtydSummary's rows, bit for bit) for the customers
 * of customer_features at its own as-of `asOf` (btyd_features_summary.sql):
 * x, t_x and T from what customer_features already aggregated, and one
 * pass over the orders for the repeat value alone, a sum per customer
 * instead of a sum per customer and day joined to two more aggregates.
 * Stored in history order, as createBtydSummary's.
 */
export async function createFeaturesBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${readSql('train/btyd_features_summary.sql')}) ORDER BY x, t_x, "T"`, { as_of: dateParam(asOf), unit_days: unitDays });
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
 * estimate (computed once per neighbourhood and order-value bin).
 *
 * One pass over the summary in its stored order, `batchRows` customers at
 * a time (memory holds one batch): a history's point figures are computed
 * once per batch however many of its customers share it, the figures are
 * appended as numbers alone, and the ids joined to them by position. The
 * ids never leave DuckDB, and no DISTINCT or join over a million rows is
 * needed to share the figures (they cost ten times the figures themselves).
 */
export async function scoreBtyd(db: Database, models: BtydModels, asOf: string, target: string, options: BtydTableOptions): Promise<number> {
  const o: BtydTableOptions = { from: asOf, ...options };
  const g = o.intervalGrid ?? INTERVAL_GRID;
  const scoreBatch = batchScorer(models, o);
  // Work tables, dropped at the end: the summary a committed one (batches read it on a connection of their own), the figures temporary.
  const summary = options.summary ?? `${target}__summary`;
  const figures = `${target}__figures`;
  try {
    if (!options.summary) await createBtydSummary(db, summary, asOf, models.unit_days, g);
    await db.run(`CREATE OR REPLACE TEMP TABLE ${figures} (${BTYD_SCORE_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')})`);
    const read = `SELECT x, t_x, "T", mean_repeat_value, zbin FROM ${summary} ORDER BY rowid`;
    for await (const batch of db.batches(read, undefined, options.batchRows)) {
      const c = batch.columns as Summary;
      const scored = scoreBatch(c, batch.n);
      await db.appendColumns(figures, BTYD_SCORE_COLUMNS.map((name) => scored[name]));
    }
    // Every customer's id beside their figures, by position (both in the summary's stored order).
    await db.run(`CREATE OR REPLACE TABLE ${target} AS
      SELECT s.customer_id, f.* FROM ${summary} s POSITIONAL JOIN ${figures} f
      ${options.ordered === false ? '' : ' ORDER BY customer_id'}`);
    return (await db.value<number>(`SELECT count(*) FROM ${target}`))!;
  } finally {
    if (!options.summary) await db.run(`DROP TABLE IF EXISTS ${summary}`);
    await db.run(`DROP TABLE IF EXISTS ${figures}`);
  }
}

type Summary = Record<'x' | 't_x' | 'T' | 'mean_repeat_value' | 'zbin', Float64Array>;

/**
 * A scorer of batches of summary rows read in order: each batch's figures
 * (BTYD_SCORE_COLUMNS; NaN where a figure is NULL: no intervals without
 * parameter draws, P(no purchase) for Pareto/NBD). A history's point
 * figures are computed once for a run of rows with that history: the
 * summaries are stored in history order (createBtydSummary), so every
 * history is computed once, with no lookup per row.
 */
function batchScorer(models: BtydModels, o: BtydScoreOptions): (c: Summary, n: number) => Record<(typeof BTYD_SCORE_COLUMNS)[number], Float64Array> {
  const scorer = btydHistoryScorer(models, o);
  let last = { x: NaN, t_x: NaN, T: NaN, point: scorer.point(0, 0, 0) };
  return (c, n) => {
    const out = Object.fromEntries(BTYD_SCORE_COLUMNS.map((name) => [name, new Float64Array(n).fill(NaN)])) as Record<(typeof BTYD_SCORE_COLUMNS)[number], Float64Array>;
    for (let i = 0; i < n; i++) {
      const [x, t_x, T] = [c.x[i]!, c.t_x[i]!, c.T[i]!];
      if (x !== last.x || t_x !== last.t_x || T !== last.T) last = { x, t_x, T, point: scorer.point(x, t_x, T) };
      const p = last.point;
      const orderValue = scorer.orderValue(x, c.mean_repeat_value[i]!);
      const clv = p.monthly * orderValue;
      out.p_alive[i] = p.pAlive;
      out.p_no_purchase[i] = p.pNone;
      out.expected_purchases[i] = p.horizon;
      out.expected_order_value[i] = orderValue;
      out.expected_spend[i] = p.horizon * orderValue;
      out.clv_12m[i] = clv;
      if (scorer.ratios) {
        const zbin = c.zbin[i]!;
        const r = scorer.ratios(x, t_x, T, Number.isNaN(zbin) ? null : zbin);
        out.expected_purchases_p10[i] = p.horizon * r.purchases[0];
        out.expected_purchases_p90[i] = p.horizon * r.purchases[1];
        out.clv_12m_p10[i] = clv * r.clv[0];
        out.clv_12m_p90[i] = clv * r.clv[1];
      }
    }
    return out;
  };
}
