import { groupSummaries, type CustomerSummary } from './summary.js';
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
 * fast (z <= 0.7); otherwise its integral form
 * a * int_0^1 t^(a-1) (1 - z t)^(-b) dt by tanh-sinh quadrature, which
 * copes with both the t^(a-1) singularity at 0 (a < 1) and the sharp peak
 * at 1 as z approaches 1 (its nodes crowd double-exponentially at both ends).
 */
export function hyp2f1APlusOne(a: number, b: number, z: number): number {
  if (z <= 0.7) return hyp2f1(a, b, a + 1, z);
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

export function paretoNbdTotalLogLik(p: ParetoNbdParams, g: ReturnType<typeof groupSummaries>): number {
  let total = 0;
  let weight = 0;
  const byX = new Map<number, number>();
  const alpha = p.alpha;
  const beta = p.beta;
  for (let i = 0; i < g.w.length; i++) {
    const x = g.x[i]!;
    const w = g.w[i]!;
    weight += w;
    byX.set(x, (byX.get(x) ?? 0) + w);
    const alive = -(p.r + x) * Math.log(alpha + g.T[i]!) - p.s * Math.log(beta + g.T[i]!);
    total += w * logAddExp(alive, Math.log(p.s) - Math.log(p.r + p.s + x) + logA0(p, x, g.t_x[i]!, g.T[i]!));
  }
  total += weight * (-lgamma(p.r) + p.r * Math.log(alpha) + p.s * Math.log(beta));
  for (const [x, w] of byX) total += w * lgamma(p.r + x);
  return total;
}

export function fitParetoNbd(rows: readonly CustomerSummary[]): { params: ParetoNbdParams; report: FitReport } {
  const g = groupSummaries(rows);
  const logLik = ([r, alpha, s, beta]: number[]) => paretoNbdTotalLogLik({ r: r!, alpha: alpha!, s: s!, beta: beta! }, g);
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
