/*
 * The integral behind the Pareto/NBD likelihood,
 *
 *   F(t) = int_t^inf (alpha + tau)^-p (beta + tau)^-q dtau,   p > 0, q > 1,
 *
 * in logs, with its partial derivatives, for any parameters (no
 * hypergeometric series that crawls as a shape or rate runs off). With
 * A = alpha + t, B = beta + t, m = min(A, B) and rho = m / max(A, B) <= 1,
 *
 *   F = A^-p B^-q m G(p', q', rho),  G(p', q', rho) = int_0^inf (1 + v)^-p' (1 + rho v)^-q' dv,
 *
 * where p' is the exponent of the smaller of A and B and q' the other's.
 * With v = e^y, G is the integral over the real line of
 * exp(y - p' sp(y) - q' sp(y + ln rho)), sp the softplus: a log-concave
 * integrand, analytic in the strip |Im y| < pi, so the trapezoidal rule
 * with step H converges like exp(-2 pi^2 / H); large exponents narrow the
 * strip where the integrand stays bounded to pi / 2, exp(-pi^2 / H): about
 * 1e-13 at H = 1/3 (checked against mpmath's 2F1 in the tests).
 * Far to the left and right the integrand is a short series of
 * exponentials in y, whose trapezoidal sums are geometric series summed
 * in closed form; in between the nodes are summed until the rest is
 * negligible. A few dozen exponentials per (p, t), whatever the parameters.
 */

const H = 1 / 3;
/** Where the series of the two ends replace the nodes: the first neglected term is about SERIES_EPS^(ORDER+1) of the sum. */
const SERIES_EPS = 0.02;
/** Stop summing nodes once past the peak and a term is this small against the sum (concavity bounds the rest). */
const NEGLIGIBLE = 1e-18;

const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const logistic = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The log of F and its derivatives in p, q, ln A and ln B. */
export interface LogTail {
  log: number;
  dp: number;
  dq: number;
  dlA: number;
  dlB: number;
}

/** Terms of the end series: (1 + u)^-p (1 + k u)^-q = sum_n c_n u^n, each end summed to u^ORDER. */
const ORDER = 6;

/** Scratch for the series (one evaluation at a time: JavaScript is single-threaded), so that a pair allocates nothing. */
const A = new Float64Array(ORDER + 1);
const AP = new Float64Array(ORDER + 1);
const B = new Float64Array(ORDER + 1);
const BQ = new Float64Array(ORDER + 1);
/** e^(-n H), n = 0..ORDER. */
const RATIOS = Float64Array.from({ length: ORDER + 1 }, (_, n) => Math.exp(-n * H));
/** The end series' sums: the value and its derivatives in p, q and ln k, and the sums weighted by geometric-series derivatives. */
const SUM = { g: 0, dp: 0, dq: 0, dk: 0, dc: 0 };

/**
 * Sums an end of the integrand: sum_n c_n S_n, where c_n are the
 * coefficients of (1 + u)^-p (1 + k u)^-q (binomial series, c_n = sum_j
 * a_j b_(n-j), a_j = C(-p, j), b_j = C(-q, j) k^j) and S_n = sum over the
 * nodes beyond the end of H e^(-(g0 + n) (y0 + j H)), a geometric series;
 * also the derivatives in p, q, ln k and in g0. Results in SUM.
 */
function endSeries(p: number, q: number, k: number, g0: number, y0: number): void {
  A[0] = 1;
  AP[0] = 0;
  B[0] = 1;
  BQ[0] = 0;
  for (let j = 1; j <= ORDER; j++) {
    A[j] = (A[j - 1]! * -(p + j - 1)) / j;
    AP[j] = (AP[j - 1]! * -(p + j - 1) - A[j - 1]!) / j;
    B[j] = (B[j - 1]! * -(q + j - 1) * k) / j;
    BQ[j] = (BQ[j - 1]! * -(q + j - 1) * k - B[j - 1]! * k) / j;
  }
  let g = 0;
  let dp = 0;
  let dq = 0;
  let dk = 0;
  let dc = 0;
  // e^(-(g0 + n) y0) and e^(-(g0 + n) H) as powers: three exponentials for the whole series.
  const step = Math.exp(-y0);
  let power = Math.exp(-g0 * y0);
  const baseRatio = Math.exp(-g0 * H);
  for (let n = 0; n <= ORDER; n++) {
    let c = 0;
    let cP = 0;
    let cQ = 0;
    let cK = 0;
    for (let j = 0; j <= n; j++) {
      c += A[j]! * B[n - j]!;
      cP += AP[j]! * B[n - j]!;
      cQ += A[j]! * BQ[n - j]!;
      // d b_m / d ln k = m b_m.
      cK += A[j]! * (n - j) * B[n - j]!;
    }
    const ratio = baseRatio * RATIOS[n]!;
    const S = (H * power) / (1 - ratio);
    power *= step;
    g += c * S;
    dp += cP * S;
    dq += cQ * S;
    dk += cK * S;
    dc += c * S * (-y0 - (H * ratio) / (1 - ratio));
  }
  SUM.g = g;
  SUM.dp = dp;
  SUM.dq = dq;
  SUM.dk = dk;
  SUM.dc = dc;
}

/** Nodes y_k = k H for |k| <= K_MAX (y within +-133: beyond, the end series take over for any parameters in the fits' box). */
const K_MAX = 400;
const at = (k: number) => Math.max(-K_MAX, Math.min(K_MAX, k)) + K_MAX;
/** softplus(y_k), the same for every rho. */
const SP = Float64Array.from({ length: 2 * K_MAX + 1 }, (_, i) => softplus((i - K_MAX) * H));

/**
 * The values that every p of one rho (one t) shares: softplus and logistic
 * of y_k + ln rho, computed on first use. One object serves t after t
 * (reset), so that an evaluation allocates nothing per pair.
 */
export class RhoNodes {
  lRho = 0;
  private generation = 0;
  private readonly valid = new Int32Array(2 * K_MAX + 1);
  private readonly sp = new Float64Array(2 * K_MAX + 1);
  private readonly sig = new Float64Array(2 * K_MAX + 1);
  constructor(lRho: number) {
    this.reset(lRho);
  }
  reset(lRho: number): this {
    this.lRho = lRho;
    this.generation++;
    return this;
  }
  /** softplus(y_k + ln rho); its logistic is then in `logisticAt`. */
  softplusAt(k: number): number {
    const i = at(k);
    if (this.valid[i] !== this.generation) {
      const z = (i - K_MAX) * H + this.lRho;
      this.sp[i] = softplus(z);
      this.sig[i] = logistic(z);
      this.valid[i] = this.generation;
    }
    return this.sp[i]!;
  }
  logisticAt(k: number): number {
    return this.sig[at(k)]!;
  }
}

/** G(p, q, rho) for rho <= 1 and its derivatives in p, q and ln rho (not in logs). */
export function lifetimeG(p: number, q: number, nodes: RhoNodes): { g: number; dp: number; dq: number; dlRho: number } {
  const lRho = nodes.lRho;
  const rho = Math.exp(lRho);
  // The left end, u = e^y small: u (1 + u)^-p (1 + rho u)^-q = sum_n c_n u^(n+1), its trapezoidal sum
  // over k <= kLeft a geometric series for each n (rate n + 1 from y0 = -y_left).
  const kLeft = Math.floor(Math.log(SERIES_EPS / (p + ORDER + (q + ORDER) * rho)) / H);
  endSeries(p, q, rho, 1, -kLeft * H);
  let g = SUM.g;
  let dp = SUM.dp;
  let dq = SUM.dq;
  let dl = SUM.dk;
  // The right end, w = 1/u small (u > 1/rho): rho^-q u^-(p+q-1) sum_n d_n w^n.
  const kRight = Math.ceil(Math.log((p + ORDER + (q + ORDER) / rho) / SERIES_EPS) / H);
  // The nodes in between, left to right, until the rest is negligible.
  let previous = -Infinity;
  let stoppedEarly = false;
  for (let k = kLeft + 1; k < kRight; k++) {
    const y = k * H;
    const spY = SP[at(k)]!;
    const spR = nodes.softplusAt(k);
    const sigR = nodes.logisticAt(k);
    const phi = y - p * spY - q * spR;
    const term = H * Math.exp(phi);
    g += term;
    dp -= term * spY;
    dq -= term * spR;
    dl -= term * q * sigR;
    if (phi < previous && term < NEGLIGIBLE * g) {
      stoppedEarly = true;
      break;
    }
    previous = phi;
  }
  if (!stoppedEarly) {
    // Rates p + q - 1 + n from y_right; the series' k is 1/rho, so d/d ln rho = -d/d ln k.
    endSeries(p, q, 1 / rho, p + q - 1, kRight * H);
    const lead = Math.exp(-q * lRho);
    g += lead * SUM.g;
    dp += lead * (SUM.dc + SUM.dp);
    dq += lead * (-lRho * SUM.g + SUM.dc + SUM.dq);
    dl += lead * (-q * SUM.g - SUM.dk);
  }
  return { g, dp, dq, dlRho: dl };
}

/**
 * ln F(t) and its derivatives, for A = alpha + t and B = beta + t given as
 * ln A and ln B; `nodes` is the RhoNodes of ln rho = -|ln A - ln B|.
 */
export function logTail(p: number, q: number, lA: number, lB: number, nodes: RhoNodes): LogTail {
  if (lA <= lB) {
    // rho = A / B: G(p, q, rho), m = A.
    const G = lifetimeG(p, q, nodes);
    const r = G.dlRho / G.g;
    return { log: -p * lA - q * lB + lA + Math.log(G.g), dp: -lA + G.dp / G.g, dq: -lB + G.dq / G.g, dlA: 1 - p + r, dlB: -q - r };
  }
  // rho = B / A: G(q, p, rho), m = B.
  const G = lifetimeG(q, p, nodes);
  const r = G.dlRho / G.g;
  return { log: -p * lA - q * lB + lB + Math.log(G.g), dp: -lA + G.dq / G.g, dq: -lB + G.dp / G.g, dlA: -p - r, dlB: 1 - q + r };
}
