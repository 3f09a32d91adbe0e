import { groupSummaries, type CustomerSummary, type GroupedSummaries } from './summary.js';
import { digamma, lgamma, logAddExp, logSubExp } from './special.js';
import type { BtydFitOptions } from './bgnbd.js';
import { noRepeatDegeneracy, paretoDegeneracy } from './degeneracy.js';
import { fitPositive, withDegeneracy, type FitReport } from './fitReport.js';
import { logTail, RhoNodes, type LogTail } from './lifetimeIntegral.js';

/*
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987; the likelihood as in
 * Fader, Hardie & Lee 2005, "A Note on Deriving the Pareto/NBD Model"):
 * purchases while alive are Poisson with a gamma(r, alpha) rate; lifetimes
 * are exponential with a gamma(s, beta) dropout rate. A customer with x
 * repeat purchases, the last at t_x, observed for T, has likelihood
 *
 *   Gamma(r+x) alpha^r beta^s / Gamma(r) x [ (alpha+T)^-(r+x) (beta+T)^-s + s I ],
 *   I = int_{t_x}^T (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau = F(t_x) - F(T),
 *
 * the second term being death at tau in (t_x, T]. F is computed by
 * lifetimeIntegral.ts, in logs and with its derivatives, for any
 * parameters: each evaluation costs a few dozen exponentials per distinct
 * (x, t) pair, and the gradient comes in the same pass.
 */

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/**
 * The nodes of one customer's tails, reset for each (JavaScript runs one at a
 * time): a fresh RhoNodes per tail allocated three arrays of 801 numbers,
 * two thirds of the time of scoring a million customers.
 */
const ONE_TAIL_NODES = new RhoNodes(0);

/** ln F(t) for a customer with x repeat purchases, and its derivatives in r, alpha, s and beta. */
function tail(p: ParetoNbdParams, x: number, t: number): LogTail {
  const lA = Math.log(p.alpha + t);
  const lB = Math.log(p.beta + t);
  return logTail(p.r + x, p.s + 1, lA, lB, ONE_TAIL_NODES.reset(-Math.abs(lA - lB)));
}

/** ln I = ln(F(t_x) - F(T)); -Infinity when t_x = T (no time to die in). */
function logDeathTerm(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  return t_x < T ? logSubExp(tail(p, x, t_x).log, tail(p, x, T).log) : -Infinity;
}

/** Log-likelihood of one customer (x repeat purchases, the last at t_x, observed for T). */
export function paretoNbdLogLik(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const head = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  return head + logAddExp(alive, Math.log(s) + logDeathTerm(p, x, t_x, T));
}

/**
 * Grouped customers with the distinct (x, t) pairs that I's two ends need
 * (t = t_x and t = T), sorted by t so that the pairs of one t share their
 * quadrature nodes: each evaluation computes F once per pair.
 */
export interface ParetoGroups {
  groups: GroupedSummaries;
  pairX: Float64Array;
  pairT: Float64Array;
  atTx: Int32Array;
  atT: Int32Array;
}

export function prepareParetoGroups(groups: GroupedSummaries): ParetoGroups {
  const keys = new Map<number, Map<number, number>>();
  const xs: number[] = [];
  const ts: number[] = [];
  const pair = (x: number, t: number) => {
    let byT = keys.get(x);
    if (!byT) keys.set(x, (byT = new Map()));
    let i = byT.get(t);
    if (i === undefined) {
      i = xs.length;
      byT.set(t, i);
      xs.push(x);
      ts.push(t);
    }
    return i;
  };
  const n = groups.w.length;
  const atTx = new Int32Array(n);
  const atT = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    atTx[i] = pair(groups.x[i]!, groups.t_x[i]!);
    atT[i] = pair(groups.x[i]!, groups.T[i]!);
  }
  // Renumber the pairs in order of t (then x).
  const order = Array.from(xs.keys()).sort((a, b) => ts[a]! - ts[b]! || xs[a]! - xs[b]!);
  const position = new Int32Array(order.length);
  order.forEach((j, k) => (position[j] = k));
  return {
    groups,
    pairX: Float64Array.from(order, (j) => xs[j]!),
    pairT: Float64Array.from(order, (j) => ts[j]!),
    atTx: atTx.map((j) => position[j]!),
    atT: atT.map((j) => position[j]!),
  };
}

/** The total log-likelihood and its gradient in (r, alpha, s, beta). */
export interface ParetoEvaluation {
  logLik: number;
  gradient: [number, number, number, number];
}

export function paretoNbdEvaluate(p: ParetoNbdParams, pg: ParetoGroups): ParetoEvaluation {
  const { r, alpha, s, beta } = p;
  const n = pg.pairX.length;
  const logF = new Float64Array(n);
  const dR = new Float64Array(n);
  const dAlpha = new Float64Array(n);
  const dS = new Float64Array(n);
  const dBeta = new Float64Array(n);
  const nodes = new RhoNodes(0);
  let nodesT = NaN;
  for (let j = 0; j < n; j++) {
    const t = pg.pairT[j]!;
    const lA = Math.log(alpha + t);
    const lB = Math.log(beta + t);
    if (t !== nodesT) {
      nodes.reset(-Math.abs(lA - lB));
      nodesT = t;
    }
    const f = logTail(r + pg.pairX[j]!, s + 1, lA, lB, nodes);
    logF[j] = f.log;
    dR[j] = f.dp;
    dS[j] = f.dq;
    dAlpha[j] = f.dlA / (alpha + t);
    dBeta[j] = f.dlB / (beta + t);
  }
  const g = pg.groups;
  const logS = Math.log(s);
  let total = 0;
  let weight = 0;
  let gr = 0;
  let ga = 0;
  let gs = 0;
  let gb = 0;
  const byX = new Map<number, number>();
  for (let i = 0; i < g.w.length; i++) {
    const x = g.x[i]!;
    const w = g.w[i]!;
    const T = g.T[i]!;
    weight += w;
    byX.set(x, (byX.get(x) ?? 0) + w);
    const lAT = Math.log(alpha + T);
    const lBT = Math.log(beta + T);
    const alive = -(r + x) * lAT - s * lBT;
    const j1 = pg.atTx[i]!;
    const j2 = pg.atT[i]!;
    let logI = -Infinity;
    let iR = 0;
    let iA = 0;
    let iS = 0;
    let iB = 0;
    if (j1 !== j2) {
      logI = logSubExp(logF[j1]!, logF[j2]!);
      // d ln I = w1 d ln F(t_x) - w2 d ln F(T), w1 = F(t_x) / I, w2 = F(T) / I = w1 - 1.
      const w2 = Math.exp(logF[j2]! - logI);
      const w1 = w2 + 1;
      iR = w1 * dR[j1]! - w2 * dR[j2]!;
      iA = w1 * dAlpha[j1]! - w2 * dAlpha[j2]!;
      iS = w1 * dS[j1]! - w2 * dS[j2]!;
      iB = w1 * dBeta[j1]! - w2 * dBeta[j2]!;
    }
    const death = logS + logI;
    const lg = logAddExp(alive, death);
    total += w * lg;
    const pAlive = Math.exp(alive - lg);
    const pDeath = 1 - pAlive;
    gr += w * (-pAlive * lAT + pDeath * iR);
    ga += w * ((-pAlive * (r + x)) / (alpha + T) + pDeath * iA);
    gs += w * (-pAlive * lBT + (j1 !== j2 ? pDeath * (1 / s + iS) : 0));
    gb += w * ((-pAlive * s) / (beta + T) + pDeath * iB);
  }
  total += weight * (-lgamma(r) + r * Math.log(alpha) + s * Math.log(beta));
  gr += weight * (Math.log(alpha) - digamma(r));
  ga += (weight * r) / alpha;
  gs += weight * Math.log(beta);
  gb += (weight * s) / beta;
  for (const [x, w] of byX) {
    total += w * lgamma(r + x);
    gr += w * digamma(r + x);
  }
  return { logLik: total, gradient: [gr, ga, gs, gb] };
}

export function paretoNbdTotalLogLik(p: ParetoNbdParams, pg: ParetoGroups): number {
  return paretoNbdEvaluate(p, pg).logLik;
}

export function fitParetoNbd(rows: readonly CustomerSummary[], options: BtydFitOptions = {}): { params: ParetoNbdParams; report: FitReport } {
  const g = groupSummaries(rows);
  const pg = prepareParetoGroups(g);
  const asParams = ([r, alpha, s, beta]: number[]): ParetoNbdParams => ({ r: r!, alpha: alpha!, s: s!, beta: beta! });
  // Value and gradient come from one pass; the optimiser asks for the gradient at the point it just evaluated.
  let last: { v: number[]; e: ParetoEvaluation } | undefined;
  const evaluate = (v: number[]) => {
    if (!last || last.v.some((x, i) => x !== v[i])) last = { v: v.slice(), e: paretoNbdEvaluate(asParams(v), pg) };
    return last.e;
  };
  const meanT = g.T.reduce((acc, v, i) => acc + v * g.w[i]!, 0) / g.w.reduce((acc, v) => acc + v, 0);
  const { params, report } = fitPositive((v) => evaluate(v).logLik, [
    [1, Math.max(1, meanT / 4), 1, Math.max(1, meanT / 4)],
    [0.5, Math.max(1, meanT / 8), 0.5, Math.max(1, meanT)],
    [2, Math.max(1, meanT / 2), 2, Math.max(1, meanT / 2)],
  ], (v) => evaluate(v).gradient, options, options.penalty
    ? { strength: options.penalty, customers: rows.length, center: [0, Math.log(Math.max(1, meanT)), 0, Math.log(Math.max(1, meanT))] }
    : undefined);
  return { params: asParams(params), report: withDegeneracy(report, [...noRepeatDegeneracy(rows), ...paretoDegeneracy(asParams(params), meanT)]) };
}

/** P(alive at T | x, t_x, T) = 1 / (1 + s (alpha+T)^(r+x) (beta+T)^s I). */
export function paretoNbdPAlive(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const logRatio = Math.log(p.s) + (p.r + x) * Math.log(p.alpha + T) + p.s * Math.log(p.beta + T) + logDeathTerm(p, x, t_x, T);
  return 1 / (1 + Math.exp(logRatio));
}

/** Expected purchases in (T, T + t] for several t at once (P(alive), the costly part, computed once). */
export function paretoNbdExpectedCurve(p: ParetoNbdParams, ts: readonly number[], x: number, t_x: number, T: number): number[] {
  const { r, alpha, s, beta } = p;
  const alive = paretoNbdPAlive(p, x, t_x, T);
  const rate = (r + x) / (alpha + T);
  return ts.map((t) =>
    alive * rate * (Math.abs(s - 1) < 1e-9
      ? (beta + T) * Math.log((beta + T + t) / (beta + T))
      : ((beta + T) / (s - 1)) * (1 - Math.pow((beta + T) / (beta + T + t), s - 1))));
}

/** Expected purchases in (T, T + t] given the history: P(alive) (r + x)(beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T)/(beta + T + t))^(s - 1)]. */
export function paretoNbdConditionalExpected(p: ParetoNbdParams, t: number, x: number, t_x: number, T: number): number {
  return paretoNbdExpectedCurve(p, [t], x, t_x, T)[0]!;
}
