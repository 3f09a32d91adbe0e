import type { Database, Row } from '../db/Database.js';
import { cholesky } from '../btyd/parameterDraws.js';
import { readSql } from '../db/sqlFile.js';

/**
 * Whom an action moves, per customer: a two-model uplift learner per action
 * (a logistic regression of buying in the horizon on the customers proposed,
 * another on the controls, each on the features a contact was published
 * with: churn_probability and the persona), so that predicted uplift =
 * P(buy | proposed) - P(buy | control). Trained on the measured campaigns of
 * the published history once they hold UPLIFT_MIN_PER_SIDE proposed and as
 * many controls; backtested on the latest campaign (trained on the earlier
 * ones) against targeting by churn risk and at random. Fitting is Newton's
 * method with a ridge penalty, at most FIT_ITERATIONS steps: no random
 * source, the same history gives the same model.
 */
export const UPLIFT_MIN_PER_SIDE = 200;
/**
 * The most measured contacts an action's models learn from in its campaigns before the latest: a sample drawn
 * alike from each (uplift_training.sql) where the history holds more, so that the models' data, and a scheduled
 * run's time and memory, stay the same as the history grows (a campaign to a million customers measures some
 * 120,000 per action; a daily run's history adds one a month). The latest campaign, which the backtest holds
 * out, is read whole.
 */
export const UPLIFT_MAX_ROWS = 150_000;
const FIT_ITERATIONS = 50;
const RIDGE = 1;

export interface UpliftRow extends Row {
  as_of: string;
  action: string;
  customer_id: string;
  persona: string;
  churn_probability: number;
  treated: number;
  retained: number;
}

/** One fitted logistic regression: an intercept per persona (unknown personas: the base intercept) and a slope on the churn score. */
export interface Logit {
  intercept: number;
  persona: Record<string, number>;
  churn: number;
}

export interface UpliftModel {
  action: string;
  treated: Logit;
  control: Logit;
  /** The rows it was trained on. */
  proposed: number;
  controls: number;
}

export interface Backtest {
  action: string;
  /** The campaign held out (the latest), and those trained on. */
  test_as_of: string;
  train_as_of: string[];
  test_customers: number;
  /** Qini coefficients: the area between each targeting's Qini curve and random targeting's, per customer of the campaign. */
  qini_model: number;
  qini_risk: number;
  /** Observed uplift (retention proposed - control) in each tenth of the campaign ranked by predicted uplift, highest first. */
  uplift_by_decile: (number | null)[];
  /** Incremental customers kept (the Qini curve) when contacting the top 10%, 20%, ... by model, by risk, and at random. */
  kept_model: number[];
  kept_risk: number[];
  kept_random: number[];
  /** The model ranks better than risk on the held-out campaign. */
  beats_risk: boolean;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function predict(m: Logit, persona: string, churn: number): number {
  return sigmoid(m.intercept + (m.persona[persona] ?? 0) + m.churn * churn);
}

export function predictUplift(m: UpliftModel, persona: string, churn: number): number {
  return predict(m.treated, persona, churn) - predict(m.control, persona, churn);
}

/** Solves A x = b (A symmetric positive definite; a vanishing pivot floored) by Cholesky. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = cholesky(a, 1e-12)!;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}

/**
 * A ridge-penalised logistic regression (the intercept unpenalised) by Newton's method, bounded. Each row has
 * three features (the intercept, its churn score, its persona's indicator), so the sums are written out for them
 * (no array per row: a million rows are fitted in a fraction of a second), each added in row order.
 */
export function fitLogit(rows: readonly UpliftRow[], personas: readonly string[]): Logit {
  const p = 2 + personas.length;
  const index = new Map(personas.map((name, i) => [name, 2 + i]));
  const k = Int32Array.from(rows, (r) => index.get(r.persona) ?? -1);
  let w = new Array<number>(p).fill(0);
  for (let it = 0; it < FIT_ITERATIONS; it++) {
    const h = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    const g = new Array<number>(p).fill(0);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const c = r.churn_probability;
      const j = k[i]!;
      let z = w[0]! + w[1]! * c;
      if (j >= 0) z += w[j]!;
      const mu = sigmoid(z);
      const v = mu * (1 - mu);
      const e = r.retained - mu;
      g[0]! += e;
      g[1]! += e * c;
      h[0]![0]! += v;
      h[0]![1]! += v * c;
      h[1]![0]! += v * c;
      h[1]![1]! += v * c * c;
      if (j >= 0) {
        g[j]! += e;
        h[0]![j]! += v;
        h[j]![0]! += v;
        h[1]![j]! += v * c;
        h[j]![1]! += v * c;
        h[j]![j]! += v;
      }
    }
    for (let j = 1; j < p; j++) {
      g[j]! -= RIDGE * w[j]!;
      h[j]![j]! += RIDGE;
    }
    h[0]![0]! += 1e-9;
    const step = solve(h, g);
    w = w.map((wj, j) => wj + step[j]!);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return { intercept: w[0]!, churn: w[1]!, persona: Object.fromEntries(personas.map((name, i) => [name, w[2 + i]!])) };
}

/** The two-model learner on `rows` of one action; undefined below the minimum on either side. */
export function fitUplift(action: string, rows: readonly UpliftRow[]): UpliftModel | undefined {
  const proposed = rows.filter((r) => r.treated === 1);
  const controls = rows.filter((r) => r.treated === 0);
  if (proposed.length < UPLIFT_MIN_PER_SIDE || controls.length < UPLIFT_MIN_PER_SIDE) return undefined;
  const personas = [...new Set(rows.map((r) => r.persona))].sort();
  return { action, treated: fitLogit(proposed, personas), control: fitLogit(controls, personas), proposed: proposed.length, controls: controls.length };
}

/**
 * The Qini curve of a ranking of one campaign: at each tenth of its
 * customers, best first, the incremental customers kept, retained proposed
 * minus retained controls scaled to the proposed count (Radcliffe).
 */
export function qiniCurve(rows: readonly UpliftRow[], score: (r: UpliftRow) => number): number[] {
  const ranked = rankedBy(rows, score);
  const out: number[] = [];
  let [nt, nc, yt, yc] = [0, 0, 0, 0];
  let next = 1;
  for (let i = 0; i < ranked.length; i++) {
    const r = ranked[i]!;
    if (r.treated === 1) { nt++; yt += r.retained; } else { nc++; yc += r.retained; }
    while (next <= 10 && i + 1 >= Math.round((next * ranked.length) / 10)) {
      out.push(yt - (nc > 0 ? (yc * nt) / nc : 0));
      next++;
    }
  }
  return out;
}

/** `rows` best first by `score` (each row scored once), ties by customer id. */
function rankedBy(rows: readonly UpliftRow[], score: (r: UpliftRow) => number): UpliftRow[] {
  const scores = Float64Array.from(rows, score);
  const order = Array.from(rows, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || (rows[a]!.customer_id < rows[b]!.customer_id ? -1 : 1));
  return order.map((i) => rows[i]!);
}

/** The area between a Qini curve and random targeting's straight line, per customer (trapezoids over the tenths). */
export function qiniCoefficient(curve: readonly number[], customers: number): number {
  const total = curve[curve.length - 1] ?? 0;
  let area = 0;
  let prev = 0;
  for (let d = 0; d < curve.length; d++) {
    const gain = curve[d]! - (total * (d + 1)) / curve.length;
    area += (prev + gain) / 2 / curve.length;
    prev = gain;
  }
  return customers > 0 ? area / customers : 0;
}

/** Backtests the learner for one action: trained on every campaign but the latest, tested on the latest. */
export function backtestUplift(action: string, rows: readonly UpliftRow[]): Backtest | undefined {
  const campaigns = [...new Set(rows.map((r) => r.as_of))].sort();
  if (campaigns.length < 2) return undefined;
  const testAsOf = campaigns[campaigns.length - 1]!;
  const model = fitUplift(action, rows.filter((r) => r.as_of < testAsOf));
  const test = rows.filter((r) => r.as_of === testAsOf);
  if (!model || test.filter((r) => r.treated === 1).length === 0 || test.filter((r) => r.treated === 0).length === 0) return undefined;
  const byModel = (r: UpliftRow) => predictUplift(model, r.persona, r.churn_probability);
  const keptModel = qiniCurve(test, byModel);
  const keptRisk = qiniCurve(test, (r) => r.churn_probability);
  const total = keptModel[keptModel.length - 1] ?? 0;
  const ranked = rankedBy(test, byModel);
  const deciles = Array.from({ length: 10 }, (_, d) => {
    const part = ranked.slice(Math.round((d * ranked.length) / 10), Math.round(((d + 1) * ranked.length) / 10));
    const t = part.filter((r) => r.treated === 1);
    const c = part.filter((r) => r.treated === 0);
    if (!t.length || !c.length) return null;
    return t.reduce((s, r) => s + r.retained, 0) / t.length - c.reduce((s, r) => s + r.retained, 0) / c.length;
  });
  const qiniModel = qiniCoefficient(keptModel, test.length);
  const qiniRisk = qiniCoefficient(keptRisk, test.length);
  return {
    action, test_as_of: testAsOf, train_as_of: campaigns.slice(0, -1), test_customers: test.length,
    qini_model: qiniModel, qini_risk: qiniRisk, uplift_by_decile: deciles,
    kept_model: keptModel, kept_risk: keptRisk, kept_random: keptModel.map((_, d) => (total * (d + 1)) / 10),
    beats_risk: qiniModel > qiniRisk,
  };
}

/** The measured contacts of the published history (uplift_training.sql), read as columns (a row object per row from DuckDB costs seconds at a million). */
export async function upliftTrainingRows(db: Database, asOf: string, horizonDays: number, maxRows = UPLIFT_MAX_ROWS): Promise<UpliftRow[]> {
  const c = await db.columns(readSql('score/uplift_training.sql'), { as_of: asOf, horizon: horizonDays, max_rows: maxRows });
  const [asOfs, action, customer, persona] = [c.as_of as string[], c.action as string[], c.customer_id as string[], c.persona as string[]];
  const [churn, treated, retained] = [c.churn_probability as Float64Array, c.treated as Float64Array, c.retained as Float64Array];
  return Array.from(churn, (_, i): UpliftRow => ({
    as_of: asOfs[i]!, action: action[i]!, customer_id: customer[i]!, persona: persona[i]!, churn_probability: churn[i]!, treated: treated[i]!, retained: retained[i]!,
  }));
}

/** What the uplift models of a run did, per action (the manifest's `uplift`, the report's words). */
export interface UpliftSummary {
  action: string;
  /** trained: a model; too_few: fewer than UPLIFT_MIN_PER_SIDE proposed or controls measured. */
  status: 'trained' | 'too_few';
  proposed: number;
  controls: number;
  backtest?: Backtest;
  /** What the budget ranks this action's customers by: the model's uplift when it beat risk ranking on its backtest. */
  budget_ranks_by: 'predicted_uplift' | 'churn_x_rate';
  /** Customers not contacted because the model predicts contact makes them likelier to leave (filled after scoring). */
  negative_uplift?: number;
}

/** The empty coefficients table customer_scores.sql joins (no model for any action). */
export const UPLIFT_TERMS_DDL = 'CREATE TABLE IF NOT EXISTS uplift_terms (action VARCHAR, persona VARCHAR, t0 DOUBLE, t1 DOUBLE, c0 DOUBLE, c1 DOUBLE, used BOOLEAN)';

/**
 * Trains each action's uplift model on the measured history as of `asOf`,
 * backtests it, and writes its coefficients to uplift_terms (one row per
 * persona it has seen and a '(base)' row for the others, `used` when it beat
 * risk ranking), which customer_scores.sql reads for predicted_uplift and
 * the budget.
 */
export async function upliftTargeting(db: Database, asOf: string, horizonDays: number, actions: readonly string[]): Promise<UpliftSummary[]> {
  const rows = await upliftTrainingRows(db, asOf, horizonDays);
  await db.run('DROP TABLE IF EXISTS uplift_terms');
  await db.run(UPLIFT_TERMS_DDL);
  const out: UpliftSummary[] = [];
  for (const action of actions) {
    const own = rows.filter((r) => r.action === action);
    const proposed = own.filter((r) => r.treated === 1).length;
    const model = fitUplift(action, own);
    if (!model) {
      out.push({ action, status: 'too_few', proposed, controls: own.length - proposed, budget_ranks_by: 'churn_x_rate' });
      continue;
    }
    const backtest = backtestUplift(action, own);
    const used = backtest?.beats_risk ?? false;
    const personas = [...Object.keys(model.treated.persona), '(base)'];
    for (const persona of personas) {
      await db.run('INSERT INTO uplift_terms VALUES ($1, $2, $3, $4, $5, $6, $7)', [action, persona,
        model.treated.intercept + (model.treated.persona[persona] ?? 0), model.treated.churn,
        model.control.intercept + (model.control.persona[persona] ?? 0), model.control.churn, used]);
    }
    out.push({ action, status: 'trained', proposed, controls: own.length - proposed, ...(backtest ? { backtest } : {}), budget_ranks_by: used ? 'predicted_uplift' : 'churn_x_rate' });
  }
  return out;
}
