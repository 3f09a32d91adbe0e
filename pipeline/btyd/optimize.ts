/*
 * The minimisers of the BTYD fits: BFGS on a box (with an analytic
 * gradient where a model has one), a derivative-free Nelder-Mead with
 * restarts (restarting from the best vertex fixes its habit of stalling on
 * a collapsed simplex), both under one Budget, and the numerical
 * derivatives used to check convergence and to get standard errors. The
 * likelihoods have four parameters at most, so simplicity beats speed.
 */

/** What a minimiser found, and whether it can be trusted. */
export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
  warnings: string[];
}

/**
 * A bound on a fit's work, shared by every minimiser it runs: a number of
 * objective evaluations (deterministic: the same data stop at the same
 * point on any machine) and a wall-clock limit (a backstop for a slow
 * machine or a pathological likelihood). A minimiser stops, with a
 * warning, once either is spent.
 */
export class Budget {
  private evaluations = 0;
  private checkedAt = 0;
  private readonly deadline: number;
  private spent?: string;

  constructor(readonly maxEvaluations = 5000, readonly maxSeconds = 30) {
    this.deadline = performance.now() + maxSeconds * 1000;
  }

  /** Counts one evaluation of `f` at `x`. */
  count<T>(f: (x: number[]) => T, x: number[]): T {
    this.evaluations++;
    return f(x);
  }

  /** Why the fit must stop now, or undefined while the budget lasts (time is looked at every 50 evaluations). */
  exhausted(): string | undefined {
    if (this.spent) return this.spent;
    if (this.evaluations >= this.maxEvaluations) this.spent = `stopped at the limit of ${this.maxEvaluations} likelihood evaluations`;
    else if (this.evaluations - this.checkedAt >= 50) {
      this.checkedAt = this.evaluations;
      if (performance.now() > this.deadline) this.spent = `stopped at the time limit of ${this.maxSeconds} s`;
    }
    return this.spent;
  }

  get used(): number {
    return this.evaluations;
  }
}

export interface MinimizeOptions {
  maxIterations?: number;
  budget?: Budget;
  /** Stop when the simplex's values differ by less than this (relative to |f| + tolerance). */
  tolerance?: number;
  restarts?: number;
  initialStep?: number;
}

export function nelderMead(f: (x: number[]) => number, start: number[], options: MinimizeOptions = {}): MinimizeResult {
  const maxIterations = options.maxIterations ?? 5000;
  const tol = options.tolerance ?? 1e-12;
  const n = start.length;
  const budget = options.budget ?? new Budget(Infinity, Infinity);
  const safe = (x: number[]) => {
    const v = budget.count(f, x);
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
    for (let it = 0; it < maxIterations && !budget.exhausted(); it++, iterations++) {
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
    if (budget.exhausted()) break;
  }
  const gradientNorm = Math.hypot(...gradient(f, best.x));
  const warnings: string[] = [];
  if (budget.exhausted()) warnings.push(`Nelder-Mead ${budget.exhausted()}`);
  else if (!converged) warnings.push(`the simplex did not settle within ${maxIterations} iterations`);
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

/** Hessian from an analytic gradient by central differences of the gradient (2n gradient calls), symmetrised. */
export function hessianFromGradient(grad: (x: number[]) => number[], x: number[], h = 1e-5): number[][] {
  const n = x.length;
  const columns = x.map((_, j) => {
    const up = x.slice();
    const down = x.slice();
    up[j] = up[j]! + h;
    down[j] = down[j]! - h;
    const gu = grad(up);
    const gd = grad(down);
    return gu.map((v, i) => (v - gd[i]!) / (2 * h));
  });
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (columns[j]![i]! + columns[i]![j]!) / 2));
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

/**
 * BFGS with a backtracking (Armijo) line search, on a box: the iterate is
 * kept within [lower, upper] (projected), and a coordinate at a bound whose
 * gradient pushes it outward is held there (the active set), so that a
 * likelihood whose optimum lies on the boundary (a degenerate fit)
 * converges onto it instead of stalling against it. Gradients analytic
 * when given, otherwise central differences. Far fewer evaluations than
 * Nelder-Mead on smooth likelihoods. It reports a stall (no descent along
 * the search direction) instead of throwing; the caller then hands over
 * to Nelder-Mead.
 */
export function bfgs(
  f: (x: number[]) => number,
  start: number[],
  options: { maxIterations?: number; gradientTolerance?: number; gradient?: (x: number[]) => number[]; budget?: Budget; lower?: number[]; upper?: number[] } = {},
): MinimizeResult {
  const budget = options.budget ?? new Budget(Infinity, Infinity);
  const objective = f;
  f = (x) => budget.count(objective, x);
  const grad = options.gradient ? (x: number[]) => budget.count(options.gradient!, x) : (x: number[]) => gradient(f, x, 1e-6);
  const n = start.length;
  const lower = options.lower ?? new Array<number>(n).fill(-Infinity);
  const upper = options.upper ?? new Array<number>(n).fill(Infinity);
  const clamp = (x: number[]) => x.map((v, i) => Math.min(upper[i]!, Math.max(lower[i]!, v)));
  /** The coordinates held at a bound: at it, with the gradient pushing outward. */
  const held = (x: number[], g: number[]) => x.map((v, i) => (v <= lower[i]! && g[i]! > 0) || (v >= upper[i]! && g[i]! < 0));
  const freeGradient = (x: number[], g: number[]) => {
    const h = held(x, g);
    return g.map((v, i) => (h[i] ? 0 : v));
  };
  const maxIterations = options.maxIterations ?? 200;
  let x = clamp(start);
  let fx = f(x);
  const warnings: string[] = [];
  if (!Number.isFinite(fx)) {
    return { x, value: Infinity, iterations: 0, converged: false, gradientNorm: NaN, warnings: ['the objective is not finite at the start'] };
  }
  const tol = options.gradientTolerance ?? 1e-9 * Math.max(1, Math.abs(fx));
  let g = grad(x);
  let H: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let iterations = 0;
  let converged = false;
  let wasHeld = new Array<boolean>(n).fill(false);
  for (; iterations < maxIterations; iterations++) {
    if (budget.exhausted()) {
      warnings.push(`BFGS ${budget.exhausted()}`);
      break;
    }
    const gf = freeGradient(x, g);
    if (Math.max(...gf.map(Math.abs)) <= tol) {
      converged = true;
      break;
    }
    const isHeld = held(x, g);
    // A change of the held set changes the problem: start the curvature estimate afresh on the free coordinates.
    if (isHeld.some((h, i) => h !== wasHeld[i])) H = H.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    wasHeld = isHeld;
    const p = H.map((row, i) => (isHeld[i] ? 0 : -row.reduce((s, h, j) => s + (isHeld[j] ? 0 : h * gf[j]!), 0)));
    let slope = p.reduce((s, v, i) => s + v * gf[i]!, 0);
    if (slope >= 0) {
      // Not a descent direction (the curvature estimate went bad): restart from steepest descent.
      H = H.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
      for (let i = 0; i < n; i++) p[i] = -gf[i]!;
      slope = -gf.reduce((s, v) => s + v * v, 0);
    }
    // Log-parameters move by at most 1 (a factor e) per step: a long step from a poor start
    // can land on a flat boundary (a rate or shape near 0) that looks like an optimum.
    const longest = Math.max(...p.map(Math.abs));
    if (longest > 1) {
      for (let i = 0; i < n; i++) p[i] = p[i]! / longest;
      slope /= longest;
    }
    let t = 1;
    let next = clamp(x.map((v, i) => v + t * p[i]!));
    let fn = f(next);
    // Armijo along the projected path: the decrease predicted by the step actually taken.
    const predicted = (to: number[]) => to.reduce((acc, v, i) => acc + (v - x[i]!) * gf[i]!, 0);
    while (!(fn <= fx + 1e-4 * Math.min(predicted(next), 0)) && t > 1e-12) {
      t /= 2;
      next = clamp(x.map((v, i) => v + t * p[i]!));
      fn = f(next);
    }
    if (!(fn < fx)) {
      // No descent at all: at the noise floor of the gradient that is convergence, otherwise a stall.
      if (Math.max(...gf.map(Math.abs)) <= 1e-6 * Math.max(1, Math.abs(fx))) converged = true;
      else warnings.push('the line search found no descent');
      break;
    }
    const gn = grad(next);
    const s = next.map((v, i) => v - x[i]!);
    const y = gn.map((v, i) => v - g[i]!);
    const sy = s.reduce((acc, v, i) => acc + v * y[i]!, 0);
    if (sy > 1e-12) {
      if (iterations === 0) {
        // Scale the identity to the curvature seen on the first step (Nocedal & Wright, eq. 6.20).
        const yy = y.reduce((acc, v) => acc + v * v, 0);
        H = H.map((row) => row.map((h) => (h * sy) / yy));
      }
      const Hy = H.map((row) => row.reduce((acc, h, j) => acc + h * y[j]!, 0));
      const yHy = y.reduce((acc, v, i) => acc + v * Hy[i]!, 0);
      H = H.map((row, i) => row.map((h, j) => h + ((sy + yHy) * s[i]! * s[j]!) / (sy * sy) - (Hy[i]! * s[j]! + s[i]! * Hy[j]!) / sy));
    }
    const improvement = fx - fn;
    x = next;
    fx = fn;
    g = gn;
    if (improvement <= 1e-15 * Math.max(1, Math.abs(fx)) && Math.max(...freeGradient(x, g).map(Math.abs)) <= 1e3 * tol) {
      converged = true;
      break;
    }
  }
  if (!converged && iterations >= maxIterations) warnings.push(`BFGS did not converge within ${maxIterations} iterations`);
  return { x, value: fx, iterations, converged, gradientNorm: Math.hypot(...freeGradient(x, g)), warnings };
}
