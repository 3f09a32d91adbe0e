import { dateParam, type Database } from '../db/Database.js';
import { Random } from '../demo/random.js';
import { bgnbdExpectedCurve, bgnbdPAlive, bgnbdProbabilityNoPurchase, fitBgNbd, type BgNbdParams } from './bgnbd.js';
import type { FitReport } from './fitReport.js';
import { fitGammaGamma, gammaGammaExpectedSpend, type GammaGammaParams } from './gammaGamma.js';
import { fitParetoNbd, paretoNbdExpectedCurve, paretoNbdPAlive, type ParetoNbdParams } from './paretoNbd.js';
import { summarySql, type CustomerSummary } from './summary.js';

/** Orders as the BTYD summary reads them: purchases, and refunds to net against repeat spend. */
const TRANSACTIONS = '(SELECT customer_id, order_date AS day, amount FROM orders)';
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

async function readSummary(db: Database, calibrationEnd: string, unitDays: number): Promise<Summary> {
  const cols = await db.columns(summarySql(TRANSACTIONS), { calibration_end: dateParam(calibrationEnd), unit_days: unitDays });
  const x = cols.x as Float64Array;
  const t_x = cols.t_x as Float64Array;
  const T = cols.T as Float64Array;
  const m = cols.mean_repeat_value as Float64Array;
  return {
    ids: cols.customer_id as (string | null)[],
    rows: Array.from(x, (_, i) => ({ x: x[i]!, t_x: t_x[i]!, T: T[i]!, mean_repeat_value: m[i]! })),
  };
}

/** Fits BG/NBD, Pareto/NBD and Gamma-Gamma on the orders up to `calibrationEnd` (time unit: `unitDays` days). */
export async function fitBtydModels(db: Database, calibrationEnd: string, unitDays = 7): Promise<BtydModels> {
  const { rows } = await readSummary(db, calibrationEnd, unitDays);
  if (rows.length === 0) throw new Error(`no purchases on or before ${calibrationEnd} to fit the BTYD models on`);
  const bg = fitBgNbd(rows);
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
 * from their estimated uncertainty (BTYD and Gamma-Gamma together).
 */
export async function scoreBtyd(db: Database, models: BtydModels, asOf: string, target: string, options: BtydScoreOptions): Promise<number> {
  const { ids, rows } = await readSummary(db, asOf, models.unit_days);
  const n = rows.length;
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
  // Customers with the same history share every purchase figure: computed once per history.
  const cache = new Map<string, { pAlive: number; pNone: number; horizon: number; monthly: number; draws: [number, number][] }>();
  for (let i = 0; i < n; i++) {
    const { x, t_x, T, mean_repeat_value: zbar } = rows[i]!;
    const key = `${x}|${t_x}|${T}`;
    let hit = cache.get(key);
    if (!hit) {
      const [h, monthly] = project(model, x, t_x, T);
      hit = {
        pAlive: model.pAlive(x, t_x, T),
        pNone: model.pNoPurchase ? model.pNoPurchase(horizon, x, t_x, T) : NaN,
        horizon: h,
        monthly,
        draws: withIntervals ? purchaseDraws.map((m) => project(m, x, t_x, T)) : [],
      };
      cache.set(key, hit);
    }
    const orderValue = gammaGammaExpectedSpend(models.gamma_gamma, x, zbar);
    out.p_alive[i] = hit.pAlive;
    out.p_no_purchase[i] = hit.pNone;
    out.expected_purchases[i] = hit.horizon;
    out.expected_order_value[i] = orderValue;
    out.expected_spend[i] = hit.horizon * orderValue;
    out.clv_12m[i] = hit.monthly * orderValue;
    if (withIntervals) {
      const purchases = hit.draws.map((d) => d[0]).sort((a, b) => a - b);
      const clv = hit.draws.map((d, k) => d[1] * gammaGammaExpectedSpend(spendDraws[k]!, x, zbar)).sort((a, b) => a - b);
      out.expected_purchases_p10[i] = quantile(purchases, 0.1);
      out.expected_purchases_p90[i] = quantile(purchases, 0.9);
      out.clv_12m_p10[i] = quantile(clv, 0.1);
      out.clv_12m_p90[i] = quantile(clv, 0.9);
    }
  }
  const columns = Object.keys(out) as (keyof typeof out)[];
  await db.run(`CREATE OR REPLACE TABLE ${target} (customer_id VARCHAR, ${columns.map((c) => `${c} DOUBLE`).join(', ')})`);
  await db.appendColumns(target, [ids, ...columns.map((c) => out[c])]);
  return n;
}

/**
 * BG/NBD's view of each customer as features for the learnt models: for
 * every cutoff, BG/NBD is fitted on the orders up to that cutoff only (so
 * no snapshot sees a parameter learnt from its future) and gives P(alive),
 * expected purchases in the horizon and P(no purchase in the horizon).
 * Table `btyd_features` (as_of as text, customer_id, three columns).
 */
export async function buildBtydFeatures(db: Database, cutoffs: string[], horizonDays: number, unitDays = 7): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE btyd_features (as_of VARCHAR, customer_id VARCHAR, btyd_p_alive DOUBLE,
    btyd_expected_purchases DOUBLE, btyd_p_no_purchase DOUBLE)`);
  const horizon = horizonDays / unitDays;
  for (const cutoff of [...new Set(cutoffs)]) {
    const { ids, rows } = await readSummary(db, cutoff, unitDays);
    if (rows.length === 0) continue;
    const { params } = fitBgNbd(rows);
    const pAlive = new Float64Array(rows.length);
    const expected = new Float64Array(rows.length);
    const pNone = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      pAlive[i] = bgnbdPAlive(params, r.x, r.t_x, r.T);
      expected[i] = bgnbdExpectedCurve(params, [horizon], r.x, r.t_x, r.T)[0]!;
      pNone[i] = bgnbdProbabilityNoPurchase(params, horizon, r.x, r.t_x, r.T);
    });
    await db.appendColumns('btyd_features', [ids.map(() => cutoff), ids, pAlive, expected, pNone]);
  }
}
