import type { Random } from '../shared/random.js';

/**
 * Parameter vectors drawn from a fit's log-scale normal approximation
 * (mean the estimate, covariance the inverse Hessian of -LL in the
 * log-parameters), for intervals over parameter uncertainty. None when the
 * covariance is missing or not positive definite.
 */
export function drawParameters(params: number[], logCovariance: number[][] | null, draws: number, rng: Random): number[][] {
  if (!logCovariance || draws === 0) return [];
  const L = cholesky(logCovariance);
  if (!L) return [];
  return Array.from({ length: draws }, () => {
    const z = Array.from({ length: params.length }, () => rng.normal());
    return params.map((p, i) => p * Math.exp(L[i]!.reduce((s, l, k) => s + l * z[k]!, 0)));
  });
}

/**
 * The lower Cholesky factor of a small symmetric matrix; null when it is not
 * positive definite, or, given `floor`, a pivot below it taken as `floor`
 * (a Newton step on a nearly flat direction, never a failure).
 */
export function cholesky(m: number[][], floor?: number): number[][] | null {
  const n = m.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = m[i]![j]!;
      for (let k = 0; k < j; k++) sum -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (floor !== undefined) sum = Math.max(sum, floor);
        else if (sum <= 0) return null;
        L[i]![i] = Math.sqrt(sum);
      } else L[i]![j] = sum / L[j]![j]!;
    }
  }
  return L;
}

/** The q-quantile of sorted values, linearly interpolated. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo);
}
