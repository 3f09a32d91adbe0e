import { groupSummaries, type CustomerSummary, type GroupedSummaries } from './summary.js';
import { hyp2f1, lgamma, logAddExp, logSubExp } from './special.js';
import { fitPositive, type FitReport } from './fitReport.js';

/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987; the likelihood as in
 * Fader, Hardie & Lee 2005, "A Note on Deriving the Pareto/NBD Model"):
 * purchases while alive are Poisson with a gamma(r, alpha) rate; lifetimes
 * are exponential with a gamma(s, beta) dropout rate.
 */
export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/**
 * 2F1(a, b; a + 1; z) for 0 <= z < 1: the power series while it converges
 * in a few thousand terms; otherwise (z near 1) its integral form
 * a * int_0^1 t^(a-1) (1 - z t)^(-b) dt by tanh-sinh quadrature, which
 * copes with both the t^(a-1) singularity at 0 (a < 1) and the sharp peak
 * at 1 as z approaches 1 (its nodes crowd double-exponentially at both ends).
 */
export function hyp2f1APlusOne(a: number, b: number, z: number): number {
  // The series' terms are all positive and peak near n = b z / (1 - z): cheap until that is large.
  if (z <= 0.7 || (Math.abs(b) + 30) / (1 - z) < 3000) return hyp2f1(a, b, a + 1, z);
  const h = 1 / 32;
  let sum = 0;
  for (let k = -160; k <= 160; k++) {
    const x = k * h;
    const s = (Math.PI / 2) * Math.sinh(x);
    // t and 1 - t from their own formulas, so that neither loses digits near its end.
    const t = 1 / (1 + Math.exp(-2 * s));
    const u = 1 / (1 + Math.exp(2 * s));
    const c = Math.cosh(s);
    const weight = (h * (Math.PI / 4) * Math.cosh(x)) / (c * c);
    if (weight === 0 || t === 0) continue;
    sum += weight * Math.exp((a - 1) * Math.log(t) - b * Math.log(1 - z + z * u));
  }
  return a * sum;
}

/**
 * ln A0 of the likelihood: [2F1(...; z(t_x)) / (m + t_x)^(r+s+x)] - [2F1(...; z(T)) / (m + T)^(r+s+x)],
 * with m = max(alpha, beta) and the second parameter s + 1 (alpha >= beta) or r + x (alpha < beta).
 */
function logA0(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const k = r + s + x;
  const [m, b, d] = alpha >= beta ? [alpha, s + 1, alpha - beta] : [beta, r + x, beta - alpha];
  const at = (t: number) => Math.log(hyp2f1APlusOne(k, b, d / (m + t))) - k * Math.log(m + t);
  return logSubExp(at(t_x), at(T));
}

/** Log-likelihood of one customer (x repeat purchases, the last at t_x, observed for T). */
export function paretoNbdLogLik(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const head = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const alive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  return head + logAddExp(alive, Math.log(s) - Math.log(r + s + x) + logA0(p, x, t_x, T));
}

/**
 * Grouped customers with the distinct (x, t) pairs that A0's two terms need
 * (t = t_x and t = T): each likelihood evaluation computes the costly
 * hypergeometric term once per pair, not once per customer or group.
 */
export interface ParetoGroups {
  groups: GroupedSummaries;
  pairX: Float64Array;
  pairT: Float64Array;
  atTx: Int32Array;
  atT: Int32Array;
}

export function prepareParetoGroups(groups: GroupedSummaries): ParetoGroups {
  const index = new Map<string, number>();
  const xs: number[] = [];
  const ts: number[] = [];
  const pair = (x: number, t: number) => {
    const key = `${x}|${t}`;
    let i = index.get(key);
    if (i === undefined) {
      i = xs.length;
      index.set(key, i);
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
  return { groups, pairX: Float64Array.from(xs), pairT: Float64Array.from(ts), atTx, atT };
}

export function paretoNbdTotalLogLik(p: ParetoNbdParams, pg: ParetoGroups): number {
  const { r, alpha, s, beta } = p;
  const [m, shift, d] = alpha >= beta ? [alpha, -1, alpha - beta] : [beta, 0, beta - alpha];
  // ln[2F1(k, b; k+1; d/(m+t)) / (m+t)^k] per distinct (x, t), k = r+s+x, b = s+1 or r+x.
  const at = new Float64Array(pg.pairX.length);
  for (let j = 0; j < at.length; j++) {
    const x = pg.pairX[j]!;
    const t = pg.pairT[j]!;
    const k = r + s + x;
    const b = shift === -1 ? s + 1 : r + x;
    at[j] = Math.log(hyp2f1APlusOne(k, b, d / (m + t))) - k * Math.log(m + t);
  }
  const g = pg.groups;
  let total = 0;
  let weight = 0;
  const byX = new Map<number, number>();
  for (let i = 0; i < g.w.length; i++) {
    const x = g.x[i]!;
    const w = g.w[i]!;
    weight += w;
    byX.set(x, (byX.get(x) ?? 0) + w);
    const alive = -(r + x) * Math.log(alpha + g.T[i]!) - s * Math.log(beta + g.T[i]!);
    const logA0 = logSubExp(at[pg.atTx[i]!]!, at[pg.atT[i]!]!);
    total += w * logAddExp(alive, Math.log(s) - Math.log(r + s + x) + logA0);
  }
  total += weight * (-lgamma(r) + r * Math.log(alpha) + s * Math.log(beta));
  for (const [x, w] of byX) total += w * lgamma(r + x);
  return total;
}

export function fitParetoNbd(rows: readonly CustomerSummary[]): { params: ParetoNbdParams; report: FitReport } {
  const g = groupSummaries(rows);
  const pg = prepareParetoGroups(g);
  const logLik = ([r, alpha, s, beta]: number[]) => paretoNbdTotalLogLik({ r: r!, alpha: alpha!, s: s!, beta: beta! }, pg);
  const meanT = g.T.reduce((acc, v, i) => acc + v * g.w[i]!, 0) / g.w.reduce((acc, v) => acc + v, 0);
  const { params, report } = fitPositive(logLik, [
    [1, Math.max(1, meanT / 4), 1, Math.max(1, meanT / 4)],
    [0.5, Math.max(1, meanT / 8), 0.5, Math.max(1, meanT)],
    [2, Math.max(1, meanT / 2), 2, Math.max(1, meanT / 2)],
  ]);
  return { params: { r: params[0]!, alpha: params[1]!, s: params[2]!, beta: params[3]! }, report };
}

/** P(alive at T | x, t_x, T) = 1 / (1 + (s / (r + s + x)) (alpha+T)^(r+x) (beta+T)^s A0). */
export function paretoNbdPAlive(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const logRatio = Math.log(p.s) - Math.log(p.r + p.s + x) + (p.r + x) * Math.log(p.alpha + T) + p.s * Math.log(p.beta + T) + logA0(p, x, t_x, T);
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
  const { r, alpha, s, beta } = p;
  const alive = paretoNbdPAlive(p, x, t_x, T);
  const rate = (r + x) / (alpha + T);
  const life = Math.abs(s - 1) < 1e-9
    ? (beta + T) * Math.log((beta + T + t) / (beta + T))
    : ((beta + T) / (s - 1)) * (1 - Math.pow((beta + T) / (beta + T + t), s - 1));
  return alive * rate * life;
}
