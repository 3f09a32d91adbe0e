import { bgFamilySetup, type BgNbdParams, type BtydFitOptions } from './bgnbd.js';
import { bgFamilyDegeneracy, noRepeatDegeneracy } from './degeneracy.js';
import { fitPositive, withDegeneracy, type FitReport } from './fitReport.js';
import { digamma, hyp2f1, lgamma, logAddExp } from './special.js';
import { groupSummaries, type CustomerSummary, type GroupedSummaries } from './summary.js';

/*
 * The modified BG/NBD (Batislam, Denizel & Filiztekin 2007, "Empirical
 * validation and comparison of models for customer base analysis"): as
 * BG/NBD, purchases while active are Poisson with a gamma(r, alpha) rate
 * and each purchase is followed by dropout with a beta(a, b) probability,
 * but the first purchase may be followed by dropout too. A customer who
 * never came back can therefore be gone, which BG/NBD rules out: on
 * histories full of one-time buyers BG/NBD explains them by slow rates and
 * concludes that nobody leaves, MBG/NBD by early dropout. Same parameters
 * as BG/NBD.
 *
 *   L = B(a, b+x+1)/B(a, b) Gamma(r+x) alpha^r / Gamma(r)
 *       x [ (alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x) ].
 */

export type MbgNbdParams = BgNbdParams;

export function mbgnbdLogLik(p: MbgNbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const common = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1);
  return common + logAddExp(-(r + x) * Math.log(alpha + T), Math.log(a) - Math.log(b + x) - (r + x) * Math.log(alpha + t_x));
}

/** Total log-likelihood of grouped customers and its gradient in (r, alpha, a, b), in one pass. */
export function mbgnbdEvaluate(p: MbgNbdParams, g: GroupedSummaries): { logLik: number; gradient: [number, number, number, number] } {
  const { r, alpha, a, b } = p;
  const logT = g.TValues.map((T) => Math.log(alpha + T));
  const logTx = g.txValues.map((t) => Math.log(alpha + t));
  const logA = Math.log(a);
  const byX = new Map<number, number>();
  let total = 0;
  let weight = 0;
  let dr = 0;
  let dalpha = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < g.w.length; i++) {
    const x = g.x[i]!;
    const w = g.w[i]!;
    weight += w;
    byX.set(x, (byX.get(x) ?? 0) + w);
    const lT = logT[g.TAt[i]!]!;
    const ltx = logTx[g.txAt[i]!]!;
    const active = -(r + x) * lT;
    const dropped = logA - Math.log(b + x) - (r + x) * ltx;
    const term = logAddExp(active, dropped);
    total += w * term;
    // pi: the posterior weight of "still active at T".
    const pi = Math.exp(active - term);
    dr -= w * (pi * lT + (1 - pi) * ltx);
    dalpha -= w * (r + x) * (pi / (alpha + g.T[i]!) + (1 - pi) / (alpha + g.t_x[i]!));
    da += (w * (1 - pi)) / a;
    db -= (w * (1 - pi)) / (b + x);
  }
  total += weight * (r * Math.log(alpha) - lgamma(r) + lgamma(a + b) - lgamma(b));
  dr += weight * (Math.log(alpha) - digamma(r));
  dalpha += (weight * r) / alpha;
  da += weight * digamma(a + b);
  db += weight * (digamma(a + b) - digamma(b));
  for (const [x, w] of byX) {
    total += w * (lgamma(r + x) + lgamma(b + x + 1) - lgamma(a + b + x + 1));
    dr += w * digamma(r + x);
    da -= w * digamma(a + b + x + 1);
    db += w * (digamma(b + x + 1) - digamma(a + b + x + 1));
  }
  return { logLik: total, gradient: [dr, dalpha, da, db] };
}

export function fitMbgNbd(rows: readonly CustomerSummary[], options: BtydFitOptions = {}): { params: MbgNbdParams; report: FitReport } {
  const g = groupSummaries(rows);
  const asParams = ([r, alpha, a, b]: number[]) => ({ r: r!, alpha: alpha!, a: a!, b: b! });
  const { starts, penalty } = bgFamilySetup(g, rows.length, options.penalty);
  const { params, report } = fitPositive((v) => mbgnbdEvaluate(asParams(v), g).logLik, starts, (v) => mbgnbdEvaluate(asParams(v), g).gradient, options, penalty);
  return { params: asParams(params), report: withDegeneracy(report, [...noRepeatDegeneracy(rows), ...bgFamilyDegeneracy(asParams(params))]) };
}

/** The odds of having left after the last purchase against being active at T. */
const goneOdds = (p: MbgNbdParams, x: number, t_x: number, T: number) =>
  (p.a / (p.b + x)) * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + t_x)));

/** P(still active at T | x, t_x, T); unlike BG/NBD's, below 1 for a customer with no repeat purchase too. */
export function mbgnbdPAlive(p: MbgNbdParams, x: number, t_x: number, T: number): number {
  return 1 / (1 + goneOdds(p, x, t_x, T));
}

/** P(no purchase in (T, T + t]): an active customer who buys nothing stays active, with rate gamma(r + x, alpha + T). */
export function mbgnbdProbabilityNoPurchase(p: MbgNbdParams, t: number, x: number, t_x: number, T: number): number {
  const alive = mbgnbdPAlive(p, x, t_x, T);
  return 1 - alive + alive * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + T + t)));
}

/**
 * Expected purchases in (T, T + t] for several t:
 * (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] / (1 + odds).
 */
export function mbgnbdExpectedCurve(p: MbgNbdParams, ts: readonly number[], x: number, t_x: number, T: number): number[] {
  const lead = mbgnbdCurveLead(p, x, t_x, T);
  return mbgnbdCurveBracket(p, ts, x, T).map((v) => lead * v);
}

/** mbgnbdExpectedCurve's factor for each t that depends on x and T only (the hypergeometric part, shared by every t_x). */
export function mbgnbdCurveBracket(p: MbgNbdParams, ts: readonly number[], x: number, T: number): number[] {
  const { r, alpha, a, b } = p;
  return ts.map((t) => {
    const ratio = Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)));
    return 1 - ratio * hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t));
  });
}

/** mbgnbdExpectedCurve's factor that holds t_x: (a+b+x)/(a-1) over 1 + the odds of having left. */
export function mbgnbdCurveLead(p: MbgNbdParams, x: number, t_x: number, T: number): number {
  return (p.a + p.b + x) / (p.a - 1) / (1 + goneOdds(p, x, t_x, T));
}

/** Expected purchases in (0, t] for a customer just acquired: b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]. */
export function mbgnbdExpected(p: MbgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  return (b / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b + 1, a + b, t / (alpha + t)));
}
