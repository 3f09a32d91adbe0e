import { Random } from '../shared/random.js';
import { MONTH_DAYS, purchaseFit, type BtydModels, type PurchaseModelName } from './fitBtyd.js';
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gammaGamma.js';
import { drawParameters, quantile } from './parameterDraws.js';
import { parameterNames, purchaseModel, type PurchaseModel } from './purchaseModel.js';
import { seasonalDays } from './season.js';

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

/**
 * A history's neighbourhood (INTERVAL_GRID) as three whole numbers: its
 * purchases capped, its age's bin in log(1 + T), and the last purchase's
 * place in it, t_x / T in steps (-1 at age 0).
 */
function neighbourhoodBins(g: typeof INTERVAL_GRID, x: number, t_x: number, T: number): [number, number, number] {
  return [Math.min(x, g.maxPurchases), Math.round(Math.log1p(T) / g.logAgeStep), T > 0 ? Math.round(t_x / T / g.recencyStep) : -1];
}

/** The history a neighbourhood's figures are computed at: its purchases, the last purchase's time and its age, from its bins. */
function binHistory(g: typeof INTERVAL_GRID, xr: number, age: number, place: number): [number, number, number] {
  const Tr = Math.expm1(age * g.logAgeStep);
  return [xr, place >= 0 ? place * g.recencyStep * Tr : 0, Tr];
}

/**
 * A neighbourhood's bins as one small integer (a key a Map hashes without
 * boxing a number or writing a text: a million customers' lookups cost
 * seconds otherwise), or -1 when a bin is outside the usual grid's range
 * (a finer grid than INTERVAL_GRID's, such as the tests' exact one).
 */
function binKey(xr: number, age: number, place: number): number {
  return Number.isInteger(xr) && xr >= 0 && xr < 1024 && age >= 0 && age < 4096 && place >= -1 && place < 63 ? ((xr * 4096 + age) * 64 + place + 1) | 0 : -1;
}

/**
 * The intervals as ratios to the point estimate, per neighbourhood of
 * histories (INTERVAL_GRID): the parameters' uncertainty changes slowly
 * from one history to the next, and exact per-history draws cost 40
 * projections for each of the ~700,000 distinct histories of a million
 * customers. The function returned takes a history (x, t_x, T) and its
 * order-value bin (round(ln(mean repeat value) / logSpendStep), null without a repeat value) and computes each
 * neighbourhood's figures once, and each of its order-value bins' once;
 * undefined without parameter draws.
 */
function intervalRatios(models: BtydModels, o: BtydScoreOptions, model: PurchaseModel, project: ReturnType<typeof projector>['project']) {
  const draws = parameterDraws(models, o);
  if (draws.purchases.length === 0) return undefined;
  const g = o.intervalGrid ?? INTERVAL_GRID;
  const n = draws.purchases.length;
  // Keyed by the bins as one integer (binKey); bins outside its range by a text made of them.
  const byKey = new Map<number, Neighbourhood>();
  const byText = new Map<string, Neighbourhood>();
  const work = new Float64Array(n);
  // The 10th and 90th percentiles of r (sorted in place), or [1, 1] when a draw is not finite.
  const bounds = (r: Float64Array): [number, number] => {
    for (let k = 0; k < n; k++) if (!Number.isFinite(r[k]!)) return [1, 1];
    r.sort();
    return [quantile(r, 0.1), quantile(r, 0.9)];
  };
  const figures = (xr: number, age: number, place: number): Neighbourhood => {
    const key = binKey(xr, age, place);
    const text = key < 0 ? `${xr}|${age}|${place}` : '';
    let hit = key < 0 ? byText.get(text) : byKey.get(key);
    if (!hit) {
      const [x, t_x, T] = binHistory(g, xr, age, place);
      const [h, monthly] = project(model, x, t_x, T);
      const projected = draws.purchases.map((m) => project(m, x, t_x, T));
      // The purchases' ratios are the neighbourhood's whatever the order-value bin.
      for (let k = 0; k < n; k++) work[k] = projected[k]![0] / h;
      hit = { x, monthly, draws: projected, purchases: bounds(work), clv: new Map() };
      if (key < 0) byText.set(text, hit);
      else byKey.set(key, hit);
    }
    return hit;
  };
  return (x: number, t_x: number, T: number, zbin: number | null) => {
    const nb = figures(...neighbourhoodBins(g, x, t_x, T));
    const bin = zbin ?? -Infinity;
    let clv = nb.clv.get(bin);
    if (!clv) {
      const zr = zbin === null ? 0 : Math.exp(zbin * g.logSpendStep);
      const value = gammaGammaExpectedSpend(models.gamma_gamma, nb.x, zr);
      for (let k = 0; k < n; k++) work[k] = (nb.draws[k]![1] * gammaGammaExpectedSpend(draws.spend[k]!, nb.x, zr)) / (nb.monthly * value);
      clv = bounds(work);
      nb.clv.set(bin, clv);
    }
    return { purchases: nb.purchases, clv };
  };
}

/** A neighbourhood's purchases, its projections under the point estimate and each draw, its purchases' bounds and its CLV bounds by order-value bin. */
interface Neighbourhood {
  x: number;
  monthly: number;
  draws: [number, number][];
  purchases: [number, number];
  clv: Map<number, [number, number]>;
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
 * The figures the score tables are built from (train/btydScoreTable.ts):
 * a history's point figures, the interval ratios of its neighbourhood
 * (INTERVAL_GRID) and order-value bin (each neighbourhood's computed once;
 * undefined without parameter draws), and Gamma-Gamma's expected order
 * value of a repeat count and mean repeat value (gammaGammaExpectedSpend,
 * the one definition).
 */
export function btydHistoryScorer(models: BtydModels, o: BtydScoreOptions) {
  const histories = historyScorer(models, o);
  return {
    point: histories.point,
    ratios: intervalRatios(models, o, histories.model, histories.project),
    orderValue: (x: number, zbar: number) => gammaGammaExpectedSpend(models.gamma_gamma, x, zbar),
  };
}
