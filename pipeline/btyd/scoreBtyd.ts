import type { Database } from '../db/Database.js';
import { Random } from '../shared/random.js';
import { MONTH_DAYS, purchaseFit, type BtydModels, type PurchaseModelName } from './fitBtyd.js';
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gammaGamma.js';
import { drawParameters, quantile } from './parameterDraws.js';
import { parameterNames, purchaseModel, type PurchaseModel } from './purchaseModel.js';
import { seasonalDays } from './season.js';
import { summaryParams, summarySql, type Summary } from './summary.js';

export interface BtydScoreOptions {
  model: PurchaseModelName;
  horizonDays: number;
  annualDiscountRate: number;
  /** Parameter draws for the p10/p90 intervals; 0 leaves them out. */
  intervalDraws: number;
  seed: number;
  /** Customers scored at a time (memory holds one batch). */
  batchRows?: number;
  /** The neighbourhoods the intervals are computed for (INTERVAL_GRID unless given). */
  intervalGrid?: typeof INTERVAL_GRID;
  /** The calendar day the projections start after (as-of): with the models' seasonal profile, they run on its seasonal time. */
  from?: string;
  /** A table made by createBtydSummary for the same as-of, unit and grid, shared by several models' scores (kept). */
  summary?: string;
}

/** The customers' summaries at `asOf` with their order-value bin (INTERVAL_GRID's logSpendStep): the one pass over the orders. */
export async function createBtydSummary(db: Database, table: string, asOf: string, unitDays: number, grid: typeof INTERVAL_GRID = INTERVAL_GRID, orders = 'orders'): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT *,
      CASE WHEN x > 0 AND mean_repeat_value > 0 THEN round(ln(mean_repeat_value) / ${grid.logSpendStep}) END AS zbin
    FROM (${summarySql()})`, summaryParams(orders, asOf, unitDays));
}

/**
 * The neighbourhoods the intervals are computed for: histories with the
 * age T in bins of `logAgeStep` in log(1 + T) (about +/-5%), the last
 * purchase's place in it, t_x / T, in steps of `recencyStep`, purchases
 * capped at `maxPurchases`, and average order values in bins of
 * `logSpendStep` in log (about +/-13%).
 */
export const INTERVAL_GRID = { logAgeStep: 0.1, recencyStep: 0.05, maxPurchases: 40, logSpendStep: 0.25 };

/** The columns of a scoreBtyd table after customer_id, in order. */
export const BTYD_SCORE_COLUMNS = ['p_alive', 'p_no_purchase', 'expected_purchases', 'expected_purchases_p10', 'expected_purchases_p90',
  'expected_order_value', 'expected_spend', 'clv_12m', 'clv_12m_p10', 'clv_12m_p90'] as const;

type ScoreColumns = Record<(typeof BTYD_SCORE_COLUMNS)[number], Float64Array>;

/**
 * Expected purchases over the horizon and the discounted 12-month purchase
 * count of a history: for each month m = 1..12 of 365.25/12 days, the
 * expected purchases in that month discounted from its midpoint,
 * (1 + d)^-((m - 0.5) / 12). With a seasonal profile and the calendar day
 * `from`, each time is the seasonal time to it (a busy month's days count
 * for more): the model's clock runs at the season's pace.
 */
function projector(models: BtydModels, o: BtydScoreOptions) {
  const time = (days: number) => (o.from ? seasonalDays(models.season, o.from, days) : days) / models.unit_days;
  const horizon = time(o.horizonDays);
  const discount = Array.from({ length: 12 }, (_, m) => Math.pow(1 + o.annualDiscountRate, -(m + 0.5) / 12));
  const times = [horizon, ...Array.from({ length: 12 }, (_, k) => time((k + 1) * MONTH_DAYS))];
  const curves = new Map<PurchaseModel, ReturnType<PurchaseModel['curve']>>();
  return {
    horizon,
    project(m: PurchaseModel, x: number, t_x: number, T: number): [number, number] {
      let of = curves.get(m);
      if (!of) curves.set(m, (of = m.curve(times)));
      const curve = of(x, t_x, T);
      let discounted = 0;
      for (let k = 1; k <= 12; k++) discounted += (curve[k]! - (k > 1 ? curve[k - 1]! : 0)) * discount[k - 1]!;
      return [curve[0]!, discounted];
    },
  };
}

/**
 * The parameter draws behind the intervals: the purchase model's and, from
 * the same seeded generator, as many of Gamma-Gamma's (none when either
 * fit has no usable covariance).
 */
function parameterDraws(models: BtydModels, o: BtydScoreOptions): { purchases: PurchaseModel[]; spend: GammaGammaParams[] } {
  const fitted = purchaseFit(models, o.model);
  const names = parameterNames(o.model);
  const asParams = (v: number[]) => Object.fromEntries(names.map((k, i) => [k, v[i]!])) as never;
  const rng = new Random(o.seed);
  const purchases = drawParameters(names.map((k) => (fitted as unknown as Record<string, number>)[k]!), fitted.report.log_covariance, o.intervalDraws, rng)
    .map((v) => purchaseModel(o.model, asParams(v)));
  const gg = models.gamma_gamma;
  const spend = drawParameters([gg.p, gg.q, gg.gamma], gg.report.log_covariance, purchases.length, rng).map(([p, q, gamma]) => ({ p: p!, q: q!, gamma: gamma! }));
  return spend.length === purchases.length ? { purchases, spend } : { purchases: [], spend: [] };
}

/** A history's neighbourhood (INTERVAL_GRID): purchases capped, the age and the last purchase's place in it rounded. */
function neighbourhood(g: typeof INTERVAL_GRID, x: number, t_x: number, T: number): [number, number, number] {
  const xr = Math.min(x, g.maxPurchases);
  const Tr = Math.expm1(Math.round(Math.log1p(T) / g.logAgeStep) * g.logAgeStep);
  const txr = T > 0 ? Math.round(t_x / T / g.recencyStep) * g.recencyStep * Tr : 0;
  return [xr, txr, Tr];
}

/** The order-value bin of a customer (INTERVAL_GRID's logSpendStep), as its index; null without a repeat value. */
const spendBin = (g: typeof INTERVAL_GRID, x: number, zbar: number): number | null => (x > 0 && zbar > 0 ? Math.round(Math.log(zbar) / g.logSpendStep) : null);

/**
 * The intervals as ratios to the point estimate, per neighbourhood of
 * histories (INTERVAL_GRID): the parameters' uncertainty changes slowly
 * from one history to the next, and exact per-history draws cost 40
 * projections for each of the ~700,000 distinct histories of a million
 * customers. `at(xr, txr, Tr, zbin)` takes a neighbourhood and an
 * order-value bin; undefined without parameter draws.
 */
function intervalRatios(models: BtydModels, o: BtydScoreOptions, model: PurchaseModel, project: ReturnType<typeof projector>['project']) {
  const draws = parameterDraws(models, o);
  const g = o.intervalGrid ?? INTERVAL_GRID;
  const projections = new Map<string, { h: number; monthly: number; draws: [number, number][] }>();
  const ratios = new Map<string, { purchases: [number, number]; clv: [number, number] }>();
  const bounds = (r: number[]): [number, number] => (r.every(Number.isFinite) ? [quantile(r, 0.1), quantile(r, 0.9)] : [1, 1]);
  const at = (xr: number, txr: number, Tr: number, zbin: number | null) => {
    const zr = zbin === null ? 0 : Math.exp(zbin * g.logSpendStep);
    const key = `${xr}|${txr}|${Tr}|${zr}`;
    let hit = ratios.get(key);
    if (!hit) {
      const history = `${xr}|${txr}|${Tr}`;
      let projected = projections.get(history);
      if (!projected) {
        const [h, monthly] = project(model, xr, txr, Tr);
        projected = { h, monthly, draws: draws.purchases.map((m) => project(m, xr, txr, Tr)) };
        projections.set(history, projected);
      }
      const { h, monthly } = projected;
      const value = gammaGammaExpectedSpend(models.gamma_gamma, xr, zr);
      const purchases = projected.draws.map((d) => d[0] / h).sort((a, b) => a - b);
      const clv = projected.draws.map((d, k) => (d[1] * gammaGammaExpectedSpend(draws.spend[k]!, xr, zr)) / (monthly * value)).sort((a, b) => a - b);
      hit = { purchases: bounds(purchases), clv: bounds(clv) };
      ratios.set(key, hit);
    }
    return hit;
  };
  return draws.purchases.length > 0 ? at : undefined;
}

/** A history's point figures: P(alive), P(no purchase in the horizon), expected purchases in it and the discounted 12-month count. */
function historyScorer(models: BtydModels, o: BtydScoreOptions) {
  const model = purchaseModel(o.model, purchaseFit(models, o.model));
  const { horizon, project } = projector(models, o);
  return {
    model, project,
    point(x: number, t_x: number, T: number) {
      const [h, monthly] = project(model, x, t_x, T);
      return { pAlive: model.pAlive(x, t_x, T), pNone: model.pNoPurchase ? model.pNoPurchase(horizon, x, t_x, T) : NaN, horizon: h, monthly };
    },
  };
}

/**
 * A scorer of summary rows: each row's figures (BTYD_SCORE_COLUMNS).
 * Customers with the same history share every purchase figure, computed
 * once per history within a batch (a cache across batches would grow with
 * the base: ~700,000 histories for a million customers).
 */
export function btydScorer(models: BtydModels, o: BtydScoreOptions): (rows: Summary['rows']) => ScoreColumns {
  const histories = historyScorer(models, o);
  const interval = intervalRatios(models, o, histories.model, histories.project);
  const g = o.intervalGrid ?? INTERVAL_GRID;
  return (rows) => {
    const cache = new Map<string, ReturnType<typeof histories.point>>();
    const point = (x: number, t_x: number, T: number) => {
      const key = `${x}|${t_x}|${T}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = histories.point(x, t_x, T);
        cache.set(key, hit);
      }
      return hit;
    };
    const n = rows.length;
    const out = Object.fromEntries(BTYD_SCORE_COLUMNS.map((c) => [c, new Float64Array(n).fill(/_p\d0$/.test(c) ? NaN : 0)])) as ScoreColumns;
    for (let i = 0; i < n; i++) {
      const { x, t_x, T, mean_repeat_value: zbar } = rows[i]!;
      const hit = point(x, t_x, T);
      const orderValue = gammaGammaExpectedSpend(models.gamma_gamma, x, zbar);
      out.p_alive[i] = hit.pAlive;
      out.p_no_purchase[i] = hit.pNone;
      out.expected_purchases[i] = hit.horizon;
      out.expected_order_value[i] = orderValue;
      out.expected_spend[i] = hit.horizon * orderValue;
      out.clv_12m[i] = hit.monthly * orderValue;
      if (interval) {
        const ratios = interval(...neighbourhood(g, x, t_x, T), spendBin(g, x, zbar));
        out.expected_purchases_p10[i] = hit.horizon * ratios.purchases[0];
        out.expected_purchases_p90[i] = hit.horizon * ratios.purchases[1];
        out.clv_12m_p10[i] = out.clv_12m[i]! * ratios.clv[0];
        out.clv_12m_p90[i] = out.clv_12m[i]! * ratios.clv[1];
      }
    }
    return out;
  };
}

/**
 * Scores every customer with purchases up to `asOf` (the orders table)
 * into table `target`: p_alive; p_no_purchase (the BG/NBD family's P(no purchase in
 * the horizon), NULL for Pareto/NBD); expected purchases over the horizon;
 * the Gamma-Gamma expected order value; expected spend over the horizon;
 * the 12-month CLV (the discounted monthly purchases times the expected
 * order value); and the 10th and 90th percentiles of expected purchases
 * and CLV over draws of the parameters from their estimated uncertainty
 * (BTYD and Gamma-Gamma together), taken per neighbourhood of histories
 * as ratios to the point estimate. The figures are computed once per
 * distinct history (x, t_x, T) and once per neighbourhood, in batches of
 * `batchRows`, and joined back to the customers in SQL: a million customers
 * hold far fewer histories, and no figure is written row by row.
 */
export async function scoreBtyd(db: Database, models: BtydModels, asOf: string, target: string, options: BtydScoreOptions): Promise<number> {
  const o: BtydScoreOptions = { from: asOf, ...options };
  const g = o.intervalGrid ?? INTERVAL_GRID;
  const histories = historyScorer(models, o);
  const interval = intervalRatios(models, o, histories.model, histories.project);
  // Work tables (batches read committed tables, not temp ones), dropped at the end.
  const summary = options.summary ?? `${target}__summary`;
  const [perHistory, perNeighbourhood] = [`${target}__histories`, `${target}__ratios`];
  try {
    if (!options.summary) await createBtydSummary(db, summary, asOf, models.unit_days, g);
    // Each distinct history's point figures once (customers with the same history share them), and its neighbourhood.
    await db.run(`CREATE OR REPLACE TABLE ${perHistory} (x DOUBLE, t_x DOUBLE, "T" DOUBLE, p_alive DOUBLE, p_no_purchase DOUBLE,
      horizon DOUBLE, monthly DOUBLE, xr DOUBLE, txr DOUBLE, "Tr" DOUBLE)`);
    for await (const batch of db.batches(`SELECT DISTINCT x, t_x, "T" FROM ${summary}`, undefined, options.batchRows)) {
      const [x, t_x, T] = [batch.columns.x as Float64Array, batch.columns.t_x as Float64Array, batch.columns.T as Float64Array];
      const cols = Array.from({ length: 7 }, () => new Float64Array(batch.n));
      for (let i = 0; i < batch.n; i++) {
        const p = histories.point(x[i]!, t_x[i]!, T[i]!);
        const [xr, txr, Tr] = neighbourhood(g, x[i]!, t_x[i]!, T[i]!);
        [cols[0]![i], cols[1]![i], cols[2]![i], cols[3]![i], cols[4]![i], cols[5]![i], cols[6]![i]] = [p.pAlive, p.pNone, p.horizon, p.monthly, xr, txr, Tr];
      }
      await db.appendColumns(perHistory, [x, t_x, T, ...cols]);
    }
    // The intervals' ratios once per neighbourhood and order-value bin.
    await db.run(`CREATE OR REPLACE TABLE ${perNeighbourhood} (xr DOUBLE, txr DOUBLE, "Tr" DOUBLE, zbin DOUBLE,
      purchases_p10 DOUBLE, purchases_p90 DOUBLE, clv_p10 DOUBLE, clv_p90 DOUBLE)`);
    if (interval) {
      const keys = `SELECT DISTINCT h.xr, h.txr, h."Tr", s.zbin FROM ${summary} s JOIN ${perHistory} h USING (x, t_x, "T")`;
      for await (const batch of db.batches(keys, undefined, options.batchRows)) {
        const c = batch.columns as Record<string, Float64Array>;
        const cols = Array.from({ length: 4 }, () => new Float64Array(batch.n));
        for (let i = 0; i < batch.n; i++) {
          const zbin = Number.isNaN(c.zbin![i]!) ? null : c.zbin![i]!;
          const r = interval(c.xr![i]!, c.txr![i]!, c.Tr![i]!, zbin);
          [cols[0]![i], cols[1]![i], cols[2]![i], cols[3]![i]] = [r.purchases[0], r.purchases[1], r.clv[0], r.clv[1]];
        }
        await db.appendColumns(perNeighbourhood, [c.xr!, c.txr!, c.Tr!, c.zbin!, ...cols]);
      }
    }
    // Every customer's figures from their history's and neighbourhood's, with Gamma-Gamma's expected order value
    // (gammaGammaExpectedSpend, the same operations in the same order).
    const gg = models.gamma_gamma;
    const [p, q, gamma] = ['CAST($p AS DOUBLE)', 'CAST($q AS DOUBLE)', 'CAST($gamma AS DOUBLE)'];
    const mean = gg.q > 1 ? `${p} * ${gamma} / (${q} - 1)` : gg.fallback_order_value !== undefined ? 'CAST($fallback AS DOUBLE)' : 'CAST(NULL AS DOUBLE)';
    await db.run(`CREATE OR REPLACE TABLE ${target} AS
      WITH v AS (
        SELECT s.customer_id, h.*, r.purchases_p10, r.purchases_p90, r.clv_p10, r.clv_p90,
          CASE WHEN s.x <= 0 THEN ${mean}
            WHEN NOT coalesce(s.mean_repeat_value > 0, false) THEN 0
            ELSE (${p} * (${gamma} + s.x * s.mean_repeat_value)) / (${p} * s.x + ${q} - 1) END AS expected_order_value
        FROM ${summary} s JOIN ${perHistory} h USING (x, t_x, "T")
        LEFT JOIN ${perNeighbourhood} r ON r.xr = h.xr AND r.txr = h.txr AND r."Tr" = h."Tr" AND r.zbin IS NOT DISTINCT FROM s.zbin
      )
      SELECT customer_id, p_alive, p_no_purchase, horizon AS expected_purchases,
        horizon * purchases_p10 AS expected_purchases_p10, horizon * purchases_p90 AS expected_purchases_p90,
        expected_order_value, horizon * expected_order_value AS expected_spend, monthly * expected_order_value AS clv_12m,
        (monthly * expected_order_value) * clv_p10 AS clv_12m_p10, (monthly * expected_order_value) * clv_p90 AS clv_12m_p90
      FROM v ORDER BY customer_id`, { p: gg.p, q: gg.q, gamma: gg.gamma, ...(gg.fallback_order_value !== undefined && !(gg.q > 1) ? { fallback: gg.fallback_order_value } : {}) });
    return (await db.value<number>(`SELECT count(*) FROM ${target}`))!;
  } finally {
    if (!options.summary) await db.run(`DROP TABLE IF EXISTS ${summary}`);
    await db.run(`DROP TABLE IF EXISTS ${perHistory}; DROP TABLE IF EXISTS ${perNeighbourhood}`);
  }
}
