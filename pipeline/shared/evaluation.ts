/**
 * Figures that judge a model on held-out data: churn (AUC, PR-AUC, Brier,
 * log loss), value (normalized Gini, Spearman, decile MAPE), purchase counts
 * (MAE, Pearson, Spearman), calibration, lift and gain. Shared by the train
 * stage, the btyd command and the tests.
 */
import { auc, averagePrecision, brier, decileMape, decileSums, logLoss, mae, normalizedGini, orderBy, pearson, spearman } from './metrics.js';

export interface ChurnMetrics {
  customers: number;
  churn_rate: number;
  auc: number;
  pr_auc: number;
  brier: number;
  log_loss: number;
}

export interface ValueMetrics {
  normalized_gini: number;
  spearman: number;
  decile_mape: number;
}

export interface PurchaseMetrics {
  mae: number;
  pearson: number;
  spearman: number;
  predicted_total: number;
  actual_total: number;
}

const round = (v: number, digits = 5) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

/** Rounds every number of a metrics object for publication (NaN becomes null). */
export function rounded<T extends object>(m: T): { [K in keyof T]: number | null } {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v as number)])) as { [K in keyof T]: number | null };
}

export function churnMetrics(prob: Float64Array, churned: Float64Array): ChurnMetrics {
  return {
    customers: prob.length,
    churn_rate: churned.reduce((s, v) => s + v, 0) / churned.length,
    auc: auc(prob, churned),
    pr_auc: averagePrecision(prob, churned),
    brier: brier(prob, churned),
    log_loss: logLoss(prob, churned),
  };
}

export function valueMetrics(predicted: Float64Array, actual: Float64Array): ValueMetrics {
  return { normalized_gini: normalizedGini(predicted, actual), spearman: spearman(predicted, actual), decile_mape: decileMape(predicted, actual) };
}

export function purchaseMetrics(predicted: Float64Array, actual: Float64Array): PurchaseMetrics {
  return {
    mae: mae(predicted, actual),
    pearson: pearson(predicted, actual),
    spearman: spearman(predicted, actual),
    predicted_total: predicted.reduce((s, v) => s + v, 0),
    actual_total: actual.reduce((s, v) => s + v, 0),
  };
}

/** Customers ranked by predicted probability into tenths: mean predicted against observed rate in each. */
export function calibrationTable(prob: ArrayLike<number>, label: ArrayLike<number>) {
  return decileSums(prob, prob, label, true).map((g, d) => ({
    decile: d + 1, customers: g.count, mean_predicted: round(g.a / g.count), observed_rate: round(g.b / g.count),
  }));
}

/** Customers ranked by predicted spend into tenths (the top first): predicted against actual spend in each. */
export function valueDeciles(predicted: ArrayLike<number>, actual: ArrayLike<number>) {
  return decileSums(predicted, predicted, actual).map((g, d) => ({
    decile: d + 1, customers: g.count, predicted: round(g.a, 2), actual: round(g.b, 2),
  }));
}

/** The positive rate among the top tenth by score over the overall rate. */
export function liftTopDecile(score: ArrayLike<number>, label: ArrayLike<number>): number {
  const n = score.length;
  const order = orderBy(score);
  const top = Math.max(1, Math.floor(n / 10));
  let hits = 0;
  let all = 0;
  for (let k = 0; k < n; k++) {
    all += label[order[k]!]!;
    if (k < top) hits += label[order[k]!]!;
  }
  return hits / top / (all / n);
}

/**
 * The cumulative gain curve: after targeting the top share of customers by
 * score, the share of all positives caught; `points` evenly spaced shares.
 */
export function gainCurve(score: ArrayLike<number>, label: ArrayLike<number>, points = 20): [number, number][] {
  const n = score.length;
  const order = orderBy(score);
  const total = Array.from(label).reduce((s, v) => s + v, 0);
  const curve: [number, number][] = [[0, 0]];
  let caught = 0;
  let next = 1;
  for (let k = 0; k < n; k++) {
    caught += label[order[k]!]!;
    while (next <= points && k + 1 >= (next * n) / points) {
      curve.push([round(next / points)!, round(caught / total)!]);
      next++;
    }
  }
  return curve;
}
