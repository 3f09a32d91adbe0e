import { dateParam, type Columns, type Database } from '../db/Database.js';
import { Random } from '../demo/random.js';
import { bgnbdExpectedCurve, bgnbdPAlive, bgnbdProbabilityNoPurchase, fitBgNbd, type BgNbdParams } from './bgnbd.js';
import type { FitReport } from './fitReport.js';
import { fitGammaGamma, gammaGammaExpectedSpend, type GammaGammaParams } from './gammaGamma.js';
import { fitParetoNbd, paretoNbdExpectedCurve, paretoNbdPAlive, type ParetoNbdParams } from './paretoNbd.js';
import { summarySql, type CustomerSummary } from './summary.js';

/**
 * Orders as the BTYD summary reads them: purchases, and refunds to net
 * against repeat spend; of every customer, of the training sample's, or of
 * the part of the sample the BTYD models are fitted on.
 */
const transactions = (who: Customers, source = 'orders') =>
  `(SELECT customer_id, order_date AS day, amount FROM ${source}${
    who === 'all' ? '' : ` WHERE customer_id IN (SELECT customer_id FROM training_sample${who === 'fit' ? ' WHERE fits_btyd' : ''})`})`;

/**
 * Whose history a summary reads: every customer's, the training sample's
 * (table training_sample), or its customers marked fits_btyd (see
 * buildTrainingSample).
 */
export type Customers = 'all' | 'sample' | 'fit';
/** A month, in days: 365.25 / 12. */
export const MONTH_DAYS = 365.25 / 12;

export type PurchaseModelName = 'bgnbd' | 'pareto';

export interface BtydModels {
  calibration_end: string;
  unit_days: number;
  customers: number;
  bgnbd: BgNbdParams & { report: FitReport };
  pareto: ParetoNbdParams & { report: FitReport };
  gamma_gamma: GammaGammaParams & { report: FitReport };
}

/** What scoring needs of a purchase model, in the fit's time unit. */
interface PurchaseModel {
  pAlive(x: number, t_x: number, T: number): number;
  /** Expected purchases in (T, T + t] for each t. */
  expected(ts: readonly number[], x: number, t_x: number, T: number): number[];
  /** P(no purchase in (T, T + t]); BG/NBD only. */
  pNoPurchase?(t: number, x: number, t_x: number, T: number): number;
}

function purchaseModel(name: PurchaseModelName, params: BgNbdParams | ParetoNbdParams): PurchaseModel {
  if (name === 'bgnbd') {
    const p = params as BgNbdParams;
    return {
      pAlive: (x, t_x, T) => bgnbdPAlive(p, x, t_x, T),
      expected: (ts, x, t_x, T) => bgnbdExpectedCurve(p, ts, x, t_x, T),
      pNoPurchase: (t, x, t_x, T) => bgnbdProbabilityNoPurchase(p, t, x, t_x, T),
    };
  }
  const p = params as ParetoNbdParams;
  return {
    pAlive: (x, t_x, T) => paretoNbdPAlive(p, x, t_x, T),
    expected: (ts, x, t_x, T) => paretoNbdExpectedCurve(p, ts, x, t_x, T),
  };
}

interface Summary {
  ids: (string | null)[];
  rows: (CustomerSummary & { mean_repeat_value: number })[];
}

/** The summaries at `calibrationEnd` of `who`, from `source` (orders, or a copy of some customers' orders). */
async function readSummary(db: Database, calibrationEnd: string, unitDays: number, who: Customers = 'all', source = 'orders'): Promise<Summary> {
  return toSummary(await db.columns(summarySql(transactions(who, source)), { calibration_end: dateParam(calibrationEnd), unit_days: unitDays }));
}

function toSummary(cols: Columns): Summary {
  const x = cols.x as Float64Array;
  const t_x = cols.t_x as Float64Array;
  const T = cols.T as Float64Array;
  const m = cols.mean_repeat_value as Float64Array;
  return {
    ids: cols.customer_id as (string | null)[],
    rows: Array.from(x, (_, i) => ({ x: x[i]!, t_x: t_x[i]!, T: T[i]!, mean_repeat_value: m[i]! })),
  };
}

export type BgNbdFit = ReturnType<typeof fitBgNbd>;

export interface FitOptions {
  /** Time unit in days (7: weeks). */
  unitDays?: number;
  /** Whose histories the fit reads (it then applies to all): 'fit', the sample's customers marked fits_btyd. */
  customers?: Customers;
  /** A BG/NBD fit already made on the same summary (buildBtydFeatures makes one). */
  bgnbd?: BgNbdFit;
}

/** Fits BG/NBD, Pareto/NBD and Gamma-Gamma on the orders up to `calibrationEnd`. */
export async function fitBtydModels(db: Database, calibrationEnd: string, options: FitOptions = {}): Promise<BtydModels> {
  const unitDays = options.unitDays ?? 7;
  const { rows } = await readSummary(db, calibrationEnd, unitDays, options.customers);
  if (rows.length === 0) throw new Error(`no purchases on or before ${calibrationEnd} to fit the BTYD models on`);
  const bg = options.bgnbd ?? fitBgNbd(rows);
  const pn = fitParetoNbd(rows);
  const gg = fitGammaGamma(rows);
  return {
    calibration_end: calibrationEnd,
    unit_days: unitDays,
    customers: rows.length,
    bgnbd: { ...bg.params, report: bg.report },
    pareto: { ...pn.params, report: pn.report },
    gamma_gamma: { ...gg.params, report: gg.report },
  };
}

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
}

/** Draws parameter vectors from the fit's log-scale normal approximation (mean the estimate). */
function drawParameters(params: number[], logCovariance: number[][] | null, draws: number, rng: Random): number[][] {
  if (!logCovariance || draws === 0) return [];
  const n = params.length;
  // Cholesky factor of the covariance.
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = logCovariance[i]![j]!;
      for (let k = 0; k < j; k++) sum -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (sum <= 0) return [];
        L[i]![i] = Math.sqrt(sum);
      } else L[i]![j] = sum / L[j]![j]!;
    }
  }
  return Array.from({ length: draws }, () => {
    const z = Array.from({ length: n }, () => rng.normal());
    return params.map((p, i) => p * Math.exp(L[i]!.reduce((s, l, k) => s + l * z[k]!, 0)));
  });
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

const quantile = (sorted: number[], q: number) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo);
};

/**
 * Scores every customer with purchases up to `asOf` into `target`:
 * p_alive; p_no_purchase (BG/NBD's P(no purchase in the horizon), NULL for
 * Pareto/NBD); expected purchases over the horizon; the Gamma-Gamma expected
 * order value; expected spend over the horizon; the 12-month CLV (for each
 * month m = 1..12 of 365.25/12 days, the expected purchases in that month
 * times the expected order value, discounted at the annual rate from the
 * month's midpoint, (1 + d)^-((m - 0.5) / 12)); and the 10th and 90th
 * percentiles of expected purchases and CLV over draws of the parameters
 * from their estimated uncertainty (BTYD and Gamma-Gamma together), taken
 * for neighbourhoods of histories (INTERVAL_GRID) as ratios to the point
 * estimate and applied to each customer's own. Reads and writes in batches
 * of `batchRows` customers.
 */
export async function scoreBtyd(db: Database, models: BtydModels, asOf: string, target: string, options: BtydScoreOptions): Promise<number> {
  const horizon = options.horizonDays / models.unit_days;
  const month = MONTH_DAYS / models.unit_days;
  const discount = Array.from({ length: 12 }, (_, m) => Math.pow(1 + options.annualDiscountRate, -(m + 0.5) / 12));
  const fitted = options.model === 'bgnbd' ? models.bgnbd : models.pareto;
  const names = options.model === 'bgnbd' ? ['r', 'alpha', 'a', 'b'] : ['r', 'alpha', 's', 'beta'];
  const asParams = (v: number[]) => Object.fromEntries(names.map((k, i) => [k, v[i]!])) as unknown as BgNbdParams & ParetoNbdParams;
  const rng = new Random(options.seed);
  const purchaseDraws = drawParameters(names.map((k) => (fitted as unknown as Record<string, number>)[k]!), fitted.report.log_covariance, options.intervalDraws, rng)
    .map((v) => purchaseModel(options.model, asParams(v)));
  const spendDraws = drawParameters([models.gamma_gamma.p, models.gamma_gamma.q, models.gamma_gamma.gamma], models.gamma_gamma.report.log_covariance, purchaseDraws.length, rng)
    .map(([p, q, gamma]) => ({ p: p!, q: q!, gamma: gamma! }));
  const withIntervals = purchaseDraws.length > 0 && spendDraws.length === purchaseDraws.length;
  const model = purchaseModel(options.model, fitted);

  /** Expected purchases over the horizon and the discounted 12 monthly purchase counts. */
  const times = [horizon, ...Array.from({ length: 12 }, (_, k) => (k + 1) * month)];
  const project = (m: PurchaseModel, x: number, t_x: number, T: number): [number, number] => {
    const curve = m.expected(times, x, t_x, T);
    let discounted = 0;
    for (let k = 1; k <= 12; k++) discounted += (curve[k]! - (k > 1 ? curve[k - 1]! : 0)) * discount[k - 1]!;
    return [curve[0]!, discounted];
  };

  // Customers with the same history share every purchase figure: computed once per history within a
  // batch (a cache across batches would grow with the base: ~700,000 histories for a million customers).
  const cache = new Map<string, { pAlive: number; pNone: number; horizon: number; monthly: number }>();
  const point = (x: number, t_x: number, T: number) => {
    const key = `${x}|${t_x}|${T}`;
    let hit = cache.get(key);
    if (!hit) {
      const [h, monthly] = project(model, x, t_x, T);
      hit = { pAlive: model.pAlive(x, t_x, T), pNone: model.pNoPurchase ? model.pNoPurchase(horizon, x, t_x, T) : NaN, horizon: h, monthly };
      cache.set(key, hit);
    }
    return hit;
  };
  // The intervals express the parameters' uncertainty, which changes slowly from one history to the
  // next: they are computed for neighbourhoods of histories (INTERVAL_GRID) as ratios to the point
  // estimate there, and each customer's own estimate is scaled by them. Exact per-history draws cost
  // 40 projections for each of the ~700,000 distinct histories of a million customers.
  const projections = new Map<string, { h: number; monthly: number; draws: [number, number][] }>();
  const intervals = new Map<string, { purchases: [number, number]; clv: [number, number] }>();
  const interval = (x: number, t_x: number, T: number, zbar: number) => {
    const g = options.intervalGrid ?? INTERVAL_GRID;
    const xr = Math.min(x, g.maxPurchases);
    const Tr = Math.expm1(Math.round(Math.log1p(T) / g.logAgeStep) * g.logAgeStep);
    const txr = T > 0 ? Math.round(t_x / T / g.recencyStep) * g.recencyStep * Tr : 0;
    const zr = x > 0 && zbar > 0 ? Math.exp(Math.round(Math.log(zbar) / g.logSpendStep) * g.logSpendStep) : 0;
    const key = `${xr}|${txr}|${Tr}|${zr}`;
    let hit = intervals.get(key);
    if (!hit) {
      const history = `${xr}|${txr}|${Tr}`;
      let projected = projections.get(history);
      if (!projected) {
        const [h, monthly] = project(model, xr, txr, Tr);
        projected = { h, monthly, draws: purchaseDraws.map((m) => project(m, xr, txr, Tr)) };
        projections.set(history, projected);
      }
      const { h, monthly, draws } = projected;
      const value = gammaGammaExpectedSpend(models.gamma_gamma, xr, zr);
      const purchases = draws.map((d) => d[0] / h).sort((a, b) => a - b);
      const clv = draws.map((d, k) => (d[1] * gammaGammaExpectedSpend(spendDraws[k]!, xr, zr)) / (monthly * value)).sort((a, b) => a - b);
      const bounds = (ratios: number[]): [number, number] => (ratios.every(Number.isFinite) ? [quantile(ratios, 0.1), quantile(ratios, 0.9)] : [1, 1]);
      hit = { purchases: bounds(purchases), clv: bounds(clv) };
      intervals.set(key, hit);
    }
    return hit;
  };
  const scoreRows = (rows: Summary['rows']) => {
    const n = rows.length;
    const out = {
      p_alive: new Float64Array(n),
      p_no_purchase: new Float64Array(n),
      expected_purchases: new Float64Array(n),
      expected_purchases_p10: new Float64Array(n).fill(NaN),
      expected_purchases_p90: new Float64Array(n).fill(NaN),
      expected_order_value: new Float64Array(n),
      expected_spend: new Float64Array(n),
      clv_12m: new Float64Array(n),
      clv_12m_p10: new Float64Array(n).fill(NaN),
      clv_12m_p90: new Float64Array(n).fill(NaN),
    };
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
      if (withIntervals) {
        const ratios = interval(x, t_x, T, zbar);
        out.expected_purchases_p10[i] = hit.horizon * ratios.purchases[0];
        out.expected_purchases_p90[i] = hit.horizon * ratios.purchases[1];
        out.clv_12m_p10[i] = out.clv_12m[i]! * ratios.clv[0];
        out.clv_12m_p90[i] = out.clv_12m[i]! * ratios.clv[1];
      }
    }
    return out;
  };
  await db.run(`CREATE OR REPLACE TABLE ${target} (customer_id VARCHAR, ${BTYD_SCORE_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')})`);
  let scored = 0;
  // In batches: memory holds one batch's summaries and scores, whatever the number of customers.
  const batches = db.batches(summarySql(transactions('all')), { calibration_end: dateParam(asOf), unit_days: models.unit_days }, options.batchRows);
  for await (const batch of batches) {
    const { ids, rows } = toSummary(batch.columns);
    cache.clear();
    const out = scoreRows(rows);
    await db.appendColumns(target, [ids, ...BTYD_SCORE_COLUMNS.map((c) => out[c])]);
    scored += rows.length;
  }
  return scored;
}

/**
 * BG/NBD's view of each customer as features for the learnt models: for
 * every cutoff, BG/NBD is fitted on the orders up to that cutoff only (so
 * no snapshot sees a parameter learnt from its future) and gives P(alive),
 * expected purchases in the horizon and P(no purchase in the horizon).
 * Table `btyd_features` (as_of as text, customer_id, three columns).
 *
 * The training cutoffs hold the customers of the training snapshots
 * (`sampled`: the training sample's, or everyone's); the `everyone` cutoffs
 * (the holdout and as-of) every customer. Each fit reads `fitOn`'s
 * histories; the fits at the `everyone` cutoffs are returned for
 * fitBtydModels to reuse.
 */
export async function buildBtydFeatures(
  db: Database,
  cutoffs: { sample: string[]; everyone: string[] },
  horizonDays: number,
  who: { sampled: Customers; fitOn: Customers } = { sampled: 'all', fitOn: 'all' },
  unitDays = 7,
): Promise<Map<string, BgNbdFit>> {
  await db.run(`CREATE OR REPLACE TABLE btyd_features (as_of VARCHAR, customer_id VARCHAR, btyd_p_alive DOUBLE,
    btyd_expected_purchases DOUBLE, btyd_p_no_purchase DOUBLE)`);
  const horizon = horizonDays / unitDays;
  const fits = new Map<string, BgNbdFit>();
  const everyone = new Set(cutoffs.everyone);
  // The sampled customers' orders are read at every cutoff: copied once.
  const copy = who.sampled !== 'all' || who.fitOn !== 'all' ? 'btyd_sample_orders' : undefined;
  if (copy) {
    await db.run(`CREATE OR REPLACE TEMP TABLE ${copy} AS SELECT customer_id, order_date, amount FROM orders
      WHERE customer_id IN (SELECT customer_id FROM training_sample ${who.sampled === 'all' ? 'WHERE fits_btyd' : ''})`);
  }
  const summary = (cutoff: string, whose: Customers) => readSummary(db, cutoff, unitDays, whose, whose === 'all' ? 'orders' : copy);
  for (const cutoff of [...new Set([...cutoffs.sample, ...cutoffs.everyone])]) {
    const scoredWho = everyone.has(cutoff) ? 'all' : who.sampled;
    const scored = await summary(cutoff, scoredWho);
    if (scored.rows.length === 0) continue;
    const fit = fitBgNbd(who.fitOn === scoredWho ? scored.rows : (await summary(cutoff, who.fitOn)).rows);
    if (everyone.has(cutoff)) fits.set(cutoff, fit);
    const { ids, rows } = scored;
    const pAlive = new Float64Array(rows.length);
    const expected = new Float64Array(rows.length);
    const pNone = new Float64Array(rows.length);
    // Customers with the same (x, t_x, T) share the figures: computed once per history.
    const cache = new Map<string, [number, number, number]>();
    rows.forEach((r, i) => {
      const key = `${r.x}|${r.t_x}|${r.T}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = [
          bgnbdPAlive(fit.params, r.x, r.t_x, r.T),
          bgnbdExpectedCurve(fit.params, [horizon], r.x, r.t_x, r.T)[0]!,
          bgnbdProbabilityNoPurchase(fit.params, horizon, r.x, r.t_x, r.T),
        ];
        cache.set(key, hit);
      }
      [pAlive[i], expected[i], pNone[i]] = hit;
    });
    await db.appendColumns('btyd_features', [ids.map(() => cutoff), ids, pAlive, expected, pNone]);
  }
  if (copy) await db.run(`DROP TABLE ${copy}`);
  return fits;
}
