/**
 * A small derivative-free minimiser (Nelder-Mead with restarts) and the
 * numerical derivatives used to check convergence and to get standard
 * errors. The BTYD likelihoods have four parameters at most, so simplicity
 * beats speed here; restarting from the best vertex fixes Nelder-Mead's
 * known habit of stalling on a collapsed simplex.
 */
export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
  warnings: string[];
}

export interface MinimizeOptions {
  maxIterations?: number;
  /** Stop when the simplex's values differ by less than this (relative to |f| + tolerance). */
  tolerance?: number;
  restarts?: number;
  initialStep?: number;
}

export function nelderMead(f: (x: number[]) => number, start: number[], options: MinimizeOptions = {}): MinimizeResult {
  const maxIterations = options.maxIterations ?? 5000;
  const tol = options.tolerance ?? 1e-12;
  const n = start.length;
  const safe = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let best = { x: start.slice(), value: safe(start) };
  let iterations = 0;
  let converged = false;
  for (let round = 0; round <= (options.restarts ?? 3); round++) {
    const step = (options.initialStep ?? 0.5) / (round + 1);
    let simplex = [best.x.slice()];
    for (let i = 0; i < n; i++) {
      const v = best.x.slice();
      v[i] = v[i]! + step;
      simplex.push(v);
    }
    let values = simplex.map(safe);
    converged = false;
    for (let it = 0; it < maxIterations; it++, iterations++) {
      const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
      simplex = order.map((i) => simplex[i]!);
      values = order.map((i) => values[i]!);
      const lo = values[0]!;
      const hi = values[n]!;
      if (Math.abs(hi - lo) <= tol * (Math.abs(lo) + tol)) {
        const spread = Math.max(...simplex.slice(1).map((v) => Math.max(...v.map((c, j) => Math.abs(c - simplex[0]![j]!)))));
        if (spread < 1e-9) {
          converged = true;
          break;
        }
      }
      const centroid = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;
      const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n]![j]! - c));
      const reflected = along(-1);
      const fr = safe(reflected);
      if (fr < values[0]!) {
        const expanded = along(-2);
        const fe = safe(expanded);
        if (fe < fr) {
          simplex[n] = expanded;
          values[n] = fe;
        } else {
          simplex[n] = reflected;
          values[n] = fr;
        }
      } else if (fr < values[n - 1]!) {
        simplex[n] = reflected;
        values[n] = fr;
      } else {
        const contracted = fr < values[n]! ? along(-0.5) : along(0.5);
        const fc = safe(contracted);
        if (fc < Math.min(fr, values[n]!)) {
          simplex[n] = contracted;
          values[n] = fc;
        } else {
          for (let i = 1; i <= n; i++) {
            simplex[i] = simplex[i]!.map((c, j) => simplex[0]![j]! + 0.5 * (c - simplex[0]![j]!));
            values[i] = safe(simplex[i]!);
          }
        }
      }
    }
    const roundBest = values.indexOf(Math.min(...values));
    if (values[roundBest]! <= best.value) best = { x: simplex[roundBest]!.slice(), value: values[roundBest]! };
  }
  const gradientNorm = Math.hypot(...gradient(f, best.x));
  const warnings: string[] = [];
  if (!converged) warnings.push(`the simplex did not settle within ${maxIterations} iterations`);
  if (!Number.isFinite(best.value)) warnings.push('the objective is not finite at the best point');
  return { x: best.x, value: best.value, iterations, converged: converged && Number.isFinite(best.value), gradientNorm, warnings };
}

/** Central-difference gradient. */
export function gradient(f: (x: number[]) => number, x: number[], h = 1e-5): number[] {
  return x.map((_, i) => {
    const up = x.slice();
    const down = x.slice();
    up[i] = up[i]! + h;
    down[i] = down[i]! - h;
    return (f(up) - f(down)) / (2 * h);
  });
}

/** Central-difference Hessian. */
export function hessian(f: (x: number[]) => number, x: number[], h = 1e-4): number[][] {
  const n = x.length;
  const at = (d: Record<number, number>) => f(x.map((v, i) => v + (d[i] ?? 0)));
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const f0 = f(x);
  for (let i = 0; i < n; i++) {
    H[i]![i] = (at({ [i]: h }) - 2 * f0 + at({ [i]: -h })) / (h * h);
    for (let j = i + 1; j < n; j++) {
      const v = (at({ [i]: h, [j]: h }) - at({ [i]: h, [j]: -h }) - at({ [i]: -h, [j]: h }) + at({ [i]: -h, [j]: -h })) / (4 * h * h);
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return H;
}

/** Inverse of a small symmetric positive-definite matrix (Gauss-Jordan); null when singular. */
export function invert(m: number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    if (Math.abs(a[p]![c]!) < 1e-300) return null;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const piv = a[c]![c]!;
    for (let j = 0; j < 2 * n; j++) a[c]![j]! /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = a[r]![c]!;
      for (let j = 0; j < 2 * n; j++) a[r]![j]! -= k * a[c]![j]!;
    }
  }
  return a.map((row) => row.slice(n));
}
