import type { BtydModels } from '../btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS, INTERVAL_GRID, type BtydScoreOptions } from '../btyd/scoreBtyd.js';
import type { SummaryColumns, SummaryFigures } from '../btyd/summaryScorer.js';
import { SummaryScorerThread } from '../btyd/summaryScorerThread.js';
import { dateParam, type Database } from '../db/Database.js';
import { readSqlWith } from '../db/sqlFile.js';
import type { Logger } from '../log.js';
import { summaryParams, summarySql } from '../features/btydSummary.js';
import { MONEY } from '../features/customerFeatures.js';

export interface BtydTableOptions extends BtydScoreOptions {
  /** A table made by createBtydSummary for the same as-of, unit and grid, shared by several models' scores (kept). */
  summary?: string;
  /** Whether the table's rows are written in customer order (the default); the score stage's readers join it by customer and leave it unsorted. */
  ordered?: boolean;
  /** Whether the figures are computed on a thread of their own (summaryScorerThread.ts) while this one reads the batches: the same figures. */
  thread?: boolean;
  /** Where a thread that could not start or failed is told (its batches are then scored on this one, to the same figures). */
  log?: Logger;
  /**
   * Leave `target` a view of the summary's ids beside the figures, by position, instead of a table of both written
   * again: the figures stay in a table of their own (`<target>__figures`) and the caller keeps the summary (`summary`,
   * required) for the view to read. A million customers' ids and twelve figures are then written once, not twice.
   */
  view?: boolean;
}

/**
 * The customers' summaries at `asOf` with their order-value bin (INTERVAL_GRID's logSpendStep): the one pass over
 * the orders. Stored in history order (x, t_x, T): scoreBtyd computes a history's figures once for its run of rows.
 */
export async function createBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID, orders = 'orders'): Promise<void> {
  await db.replaceTablePlainText(table, `SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${summarySql()}) ORDER BY x, t_x, "T"`, summaryParams(orders, asOf, unitDays));
}

/**
 * The same summary (createBtydSummary's rows, bit for bit) for the customers
 * of customer_features at its own as-of `asOf` (btyd_features_summary.sql):
 * x, t_x, T and the repeat value from what customer_features already
 * aggregated; the orders are summed only for the refunds of the customers
 * whose repeat_refunds it leaves NULL (everyone's, from a customer_features
 * without the column), a sum per customer instead of a sum per customer
 * and day joined to two more aggregates. Stored in history order, as
 * createBtydSummary's.
 */
export async function createFeaturesBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID): Promise<void> {
  // A customer_features built before it kept repeat_refunds (an earlier version's, read by fidelio score-partition):
  // every customer's refunds are then summed from the orders, as they were before it.
  const kept = await db.value<number>(`SELECT count(*) FROM (DESCRIBE SELECT * FROM customer_features) WHERE column_name = 'repeat_refunds'`);
  const sql = readSqlWith('train/btyd_features_summary.sql', '/*repeat_refunds*/repeat_refunds', kept ? 'repeat_refunds' : `CAST(NULL AS ${MONEY}) AS repeat_refunds`);
  await db.replaceTablePlainText(table, `SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${sql}) ORDER BY x, t_x, "T"`, { as_of: dateParam(asOf), unit_days: unitDays });
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
 * a time (memory holds one batch, and one more being scored): a history's
 * point figures are computed once for its run of rows (the summary is
 * stored in history order; btyd/summaryScorer.ts), on a thread of their own
 * with `thread`, the figures appended as numbers alone, and the ids joined
 * to them by position. The ids never leave DuckDB, and no DISTINCT or join
 * over a million rows is needed to share the figures (they cost more than
 * the figures themselves).
 */
export async function scoreBtyd(db: Database, models: BtydModels, asOf: string, target: string, options: BtydTableOptions): Promise<number> {
  // What the figures need goes to the thread; the logger stays here (it could not be copied to a thread).
  const { log, ...o }: BtydTableOptions = { from: asOf, ...options };
  const g = o.intervalGrid ?? INTERVAL_GRID;
  const scorer = new SummaryScorerThread(models, o, options.thread ? undefined : false);
  // Work tables, dropped at the end: the summary a committed one (batches read it on a connection of their own), the figures
  // temporary; with `view`, both kept (the caller's summary and a committed table of the figures) for the view to read.
  const summary = options.summary ?? `${target}__summary`;
  const figures = `${target}__figures`;
  if (options.view && !options.summary) throw new Error('scoreBtyd: a view of the scores needs the summary it reads, kept by the caller (options.summary)');
  let viewed = false;
  try {
    if (!options.summary) await createBtydSummary(db, summary, asOf, models.unit_days, g);
    await db.run(`CREATE OR REPLACE ${options.view ? '' : 'TEMP '}TABLE ${figures} (${BTYD_SCORE_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')})`);
    // A batch is scored (on the thread) while the next is read; appended in the order read.
    const read = `SELECT x, t_x, "T", mean_repeat_value, zbin FROM ${summary} ORDER BY rowid`;
    let scoring: Promise<SummaryFigures> | undefined;
    const append = async (scored: SummaryFigures) => db.appendColumns(figures, BTYD_SCORE_COLUMNS.map((name) => scored[name]));
    for await (const batch of db.batches(read, undefined, options.batchRows)) {
      const next = scorer.score(batch.columns as SummaryColumns, batch.n);
      next.catch(() => undefined); // awaited in order below
      if (scoring) await append(await scoring);
      scoring = next;
    }
    if (scoring) await append(await scoring);
    if (scorer.failures.length) {
      log?.warn({ failures: scorer.failures.length, first: scorer.failures[0]!.split('\n')[0] },
        'BTYD scores: the thread of their own could not start or failed; its batches were scored on the main thread instead (the same figures, more slowly)');
    }
    // Every customer's id beside their figures, by position (both in the summary's stored order).
    const joined = `SELECT s.customer_id, f.* FROM ${summary} s POSITIONAL JOIN ${figures} f`;
    if (options.view) {
      // A table of that name left by an earlier version (btyd_scores was a table until issue 25) gives way to the view.
      if (await db.isTable(target)) await db.run(`DROP TABLE ${target}`);
      await db.run(`CREATE OR REPLACE VIEW ${target} AS ${joined}`);
      viewed = true;
    } else {
      await db.run(`CREATE OR REPLACE TABLE ${target} AS ${joined}${options.ordered === false ? '' : ' ORDER BY customer_id'}`);
    }
    return (await db.value<number>(`SELECT count(*) FROM ${target}`))!;
  } finally {
    await scorer.close();
    if (!options.summary) await db.run(`DROP TABLE IF EXISTS ${summary}`);
    if (!viewed) await db.run(`DROP TABLE IF EXISTS ${figures}`);
  }
}
