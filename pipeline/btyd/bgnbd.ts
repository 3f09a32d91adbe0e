import { groupSummaries, type CustomerSummary, type GroupedSummaries } from './summary.js';
import { digamma, hyp2f1, lbeta, lgamma, logAddExp } from './special.js';
import { bgFamilyDegeneracy, noRepeatDegeneracy } from './degeneracy.js';
import { fitPositive, withDegeneracy, type FitLimits, type FitReport, type Penalty } from './fitReport.js';

/*
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy
 * way"): purchases while active are Poisson with a gamma(r, alpha)
 * heterogeneous rate; after each purchase a customer drops out with a
 * beta(a, b) heterogeneous probability.
 */

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Log-likelihood of one customer (x repeat purchases, the last at t_x,
 * observed for T): still active at T, or (x > 0) dropped out right after
 * the last purchase, where B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1).
 */
export function bgnbdLogLik(p: BgNbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const common = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + lbeta(a, b + x) - lbeta(a, b);
  const active = -(r + x) * Math.log(alpha + T);
  if (x === 0) return common + active;
  const droppedOut = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + t_x);
  return common + logAddExp(active, droppedOut);
}

/**
 * Total log-likelihood of grouped customers. The terms that depend on x
 * alone (the gamma functions) are summed once per distinct x, so each
 * evaluation costs a few logarithms per group, not six log-gammas.
 */
export function bgnbdTotalLogLik(p: BgNbdParams, g: GroupedSummaries): number {
  const { r, alpha, a, b } = p;
  const byX = new Map<number, number>();
  const logT = g.TValues.map((T) => Math.log(alpha + T));
  const logTx = g.txValues.map((t) => Math.log(alpha + t));
  const logA = Math.log(a);
  let total = 0;
  let weight = 0;
  for (let i = 0; i < g.w.length; i++) {
    const x = g.x[i]!;
    const w = g.w[i]!;
    byX.set(x, (byX.get(x) ?? 0) + w);
    weight += w;
    const active = -(r + x) * logT[g.TAt[i]!]!;
    const term = x === 0 ? active : logAddExp(active, logA - Math.log(b + x - 1) - (r + x) * logTx[g.txAt[i]!]!);
    total += w * term;
  }
  total += weight * (r * Math.log(alpha) - lgamma(r) + lgamma(a + b) - lgamma(b));
  for (const [x, w] of byX) total += w * (lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x));
  return total;
}

/**
 * The gradient of bgnbdTotalLogLik in (r, alpha, a, b), in the same pass
 * over the groups: with pi the posterior weight of "still active",
 * d/dr = ln alpha - psi(r) + psi(r+x) - pi ln(alpha+T) - (1-pi) ln(alpha+t_x),
 * d/dalpha = r/alpha - (r+x) [pi/(alpha+T) + (1-pi)/(alpha+t_x)],
 * d/da = psi(a+b) - psi(a+b+x) + (1-pi)/a,
 * d/db = psi(a+b) - psi(b) + psi(b+x) - psi(a+b+x) - (1-pi)/(b+x-1).
 */
export function bgnbdGradient(p: BgNbdParams, g: GroupedSummaries): [number, number, number, number] {
  const { r, alpha, a, b } = p;
  let dr = 0;
  let dalpha = 0;
  let da = 0;
  let db = 0;
  let weight = 0;
  const byX = new Map<number, number>();
  const logT = g.TValues.map((T) => Math.log(alpha + T));
  const logTx = g.txValues.map((t) => Math.log(alpha + t));
  for (let i = 0; i < g.w.length; i++) {
    const x = g.x[i]!;
    const w = g.w[i]!;
    weight += w;
    byX.set(x, (byX.get(x) ?? 0) + w);
    const lT = logT[g.TAt[i]!]!;
    if (x === 0) {
      dr -= w * lT;
      dalpha -= (w * r) / (alpha + g.T[i]!);
      continue;
    }
    const ltx = logTx[g.txAt[i]!]!;
    const active = -(r + x) * lT;
    const dropped = Math.log(a) - Math.log(b + x - 1) - (r + x) * ltx;
    const pi = 1 / (1 + Math.exp(dropped - active));
    dr -= w * (pi * lT + (1 - pi) * ltx);
    dalpha -= w * (r + x) * (pi / (alpha + g.T[i]!) + (1 - pi) / (alpha + g.t_x[i]!));
    da += (w * (1 - pi)) / a;
    db -= (w * (1 - pi)) / (b + x - 1);
  }
  dr += weight * (Math.log(alpha) - digamma(r));
  dalpha += (weight * r) / alpha;
  da += weight * digamma(a + b);
  db += weight * (digamma(a + b) - digamma(b));
  for (const [x, w] of byX) {
    dr += w * digamma(r + x);
    da -= w * digamma(a + b + x);
    db += w * (digamma(b + x) - digamma(a + b + x));
  }
  return [dr, dalpha, da, db];
}

/** Options of a BTYD fit: the work it may do, and the penalty on its log-parameters (0 or absent: maximum likelihood). */
export interface BtydFitOptions extends FitLimits {
  penalty?: number;
}

/** Starting points and the penalty's centre for the BG/NBD family: shapes near 1, alpha near the typical observed time. */
export function bgFamilySetup(g: GroupedSummaries, rows: number, penalty: number | undefined): { starts: number[][]; penalty?: Penalty } {
  const meanT = g.T.reduce((s, v, i) => s + v * g.w[i]!, 0) / g.w.reduce((s, v) => s + v, 0);
  return {
    starts: [
      [1, Math.max(1, meanT / 4), 1, 1],
      [0.5, Math.max(1, meanT / 8), 0.5, 2],
      [2, Math.max(1, meanT / 2), 2, 4],
    ],
    penalty: penalty ? { strength: penalty, customers: rows, center: [0, Math.log(Math.max(1, meanT)), 0, 0] } : undefined,
  };
}

export function fitBgNbd(rows: readonly CustomerSummary[], options: BtydFitOptions = {}): { params: BgNbdParams; report: FitReport } {
  const g = groupSummaries(rows);
  const asParams = ([r, alpha, a, b]: number[]) => ({ r: r!, alpha: alpha!, a: a!, b: b! });
  const logLik = (v: number[]) => bgnbdTotalLogLik(asParams(v), g);
  const { starts, penalty } = bgFamilySetup(g, rows.length, options.penalty);
  const { params, report } = fitPositive(logLik, starts, (v) => bgnbdGradient(asParams(v), g), options, penalty);
  return { params: asParams(params), report: withDegeneracy(report, [...noRepeatDegeneracy(rows), ...bgFamilyDegeneracy(asParams(params))]) };
}

/** P(still active at T | x, t_x, T). */
export function bgnbdPAlive(p: BgNbdParams, x: number, t_x: number, T: number): number {
  if (x === 0) return 1;
  const odds = (p.a / (p.b + x - 1)) * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + t_x)));
  return 1 / (1 + odds);
}

/**
 * P(no purchase in (T, T + t] | x, t_x, T). BG/NBD customers drop out only
 * right after a purchase, so an active customer who buys nothing stays
 * active, with a posterior purchase rate gamma(r + x, alpha + T):
 * P = (1 - P(alive)) + P(alive) x ((alpha + T) / (alpha + T + t))^(r + x).
 */
export function bgnbdProbabilityNoPurchase(p: BgNbdParams, t: number, x: number, t_x: number, T: number): number {
  const alive = bgnbdPAlive(p, x, t_x, T);
  return 1 - alive + alive * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + T + t)));
}

/** Expected purchases in (T, T + t] for a customer with history (x, t_x, T). */
export function bgnbdConditionalExpected(p: BgNbdParams, t: number, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const ratio = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
  const f = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - ratio * f);
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + t_x))) : 1;
  return numerator / denominator;
}

/** Expected purchases in (T, T + t] for several t at once (the P(alive) denominator computed once). */
export function bgnbdExpectedCurve(p: BgNbdParams, ts: readonly number[], x: number, t_x: number, T: number): number[] {
  const lead = bgnbdCurveLead(p, x, t_x, T);
  return bgnbdCurveBracket(p, ts, x, T).map((v) => lead * v);
}

/** bgnbdExpectedCurve's factor for each t that depends on x and T only, 1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...): the costly part, shared by every t_x. */
export function bgnbdCurveBracket(p: BgNbdParams, ts: readonly number[], x: number, T: number): number[] {
  const { r, alpha, a, b } = p;
  return ts.map((t) => {
    const ratio = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
    return 1 - ratio * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  });
}

/** bgnbdExpectedCurve's factor that holds t_x: (a+b+x-1)/(a-1) over 1 + the odds of having left. */
export function bgnbdCurveLead(p: BgNbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + t_x))) : 1;
  return (a + b + x - 1) / (a - 1) / denominator;
}

/** Expected purchases in (0, t] for a customer just acquired. */
export function bgnbdExpected(p: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}
