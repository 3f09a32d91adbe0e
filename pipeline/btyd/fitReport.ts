import type { Degeneracy } from './degeneracy.js';
import { Budget, bfgs, gradient, hessian, hessianFromGradient, invert, nelderMead, type MinimizeResult } from './optimize.js';

/** What a fit reports besides its parameters: a fit never throws on convergence trouble. */
export interface FitReport {
  /** The data's log-likelihood at the estimate (without the penalty, when there is one). */
  log_likelihood: number;
  converged: boolean;
  iterations: number;
  /** Norm of the gradient at the optimum, over the parameters not held at the edge of the range. */
  gradient_norm: number;
  /** Standard errors of the parameters (natural scale, delta method from the log-scale Hessian); null when the Hessian is singular or the fit degenerate. */
  standard_errors: number[] | null;
  /** Covariance of the log-parameters (the inverse Hessian of -LL on the fitting scale): for sampling parameter uncertainty. */
  log_covariance: number[][] | null;
  warnings: string[];
  /** What the data leave undetermined (a parameter run off to a boundary), each with what it means in words; empty for a sound fit. */
  degenerate: Degeneracy[];
  /** The penalty's strength per customer, when the fit was penalized. */
  penalty?: number;
}

/** How much work a fit may do (see Budget): likelihood evaluations, and seconds as a backstop. */
export interface FitLimits {
  maxEvaluations?: number;
  maxSeconds?: number;
}

/**
 * A penalty on the log-parameters: `weight` x sum of (ln theta - center)^2
 * is subtracted from the log-likelihood (weight = strength per customer x
 * customers, as peers scale it), pulling a parameter that the data leave
 * undetermined back from the boundary toward its `center` (ln 1 for a
 * shape, ln of the typical observation time for a rate's scale).
 */
export interface Penalty {
  strength: number;
  customers: number;
  center: number[];
}

/**
 * The box the log-parameters stay in: every parameter within
 * [e^-LOG_BOUND, e^LOG_BOUND] (about 1e-8 to 1e8). A fit whose optimum
 * lies beyond it stops on its edge (BFGS holds the coordinate there) and
 * says so, instead of following a flat likelihood to zero or infinity.
 */
export const LOG_BOUND = 18;

/**
 * Maximises a log-likelihood over positive parameters: minimises -LL
 * (plus the penalty, when given) over log-parameters from several starts
 * (the best wins), within the box LOG_BOUND and the budget `limits`, and
 * reports convergence, the gradient norm at the optimum and standard errors.
 */
export function fitPositive(
  logLik: (params: number[]) => number,
  starts: number[][],
  /** The gradient of logLik in the parameters, when known in closed form (otherwise numerical). */
  logLikGradient?: (params: number[]) => number[],
  limits: FitLimits = {},
  penalty?: Penalty,
): { params: number[]; report: FitReport } {
  const budget = new Budget(limits.maxEvaluations, limits.maxSeconds);
  const n = starts[0]!.length;
  const weight = penalty && penalty.strength > 0 ? penalty.strength * penalty.customers : 0;
  const center = penalty?.center ?? new Array<number>(n).fill(0);
  const penaltyOf = (logParams: number[]) => weight * logParams.reduce((s, v, i) => s + (v - center[i]!) ** 2, 0);
  const unboxed = (logParams: number[]) => -logLik(logParams.map(Math.exp)) + penaltyOf(logParams);
  const objective = (logParams: number[]) => (logParams.every((v) => Math.abs(v) <= LOG_BOUND) ? unboxed(logParams) : Infinity);
  // Chain rule to the log scale: d(-LL)/d(log theta) = -theta x dLL/dtheta.
  const objectiveGradient = logLikGradient
    ? (logParams: number[]) => {
        const theta = logParams.map(Math.exp);
        return logLikGradient(theta).map((g, i) => -g * theta[i]! + 2 * weight * (logParams[i]! - center[i]!));
      }
    : undefined;
  const box = { lower: new Array<number>(n).fill(-LOG_BOUND), upper: new Array<number>(n).fill(LOG_BOUND) };
  // A few BFGS steps from each start; the best start is then run to convergence. If BFGS stalls,
  // Nelder-Mead takes over from the best point found, and the better of the two is kept.
  let best: MinimizeResult | null = null;
  const notes: string[] = [];
  for (const start of starts) {
    const attempt = bfgs(objective, start.map(Math.log), { maxIterations: 5, gradient: objectiveGradient, budget, ...box });
    if (!best || attempt.value < best.value) best = attempt;
  }
  const refined = bfgs(objective, best!.x, { gradient: objectiveGradient, budget, ...box });
  let result = { ...refined, iterations: refined.iterations + best!.iterations };
  if (!result.converged) {
    notes.push(`BFGS stalled (${result.warnings.join('; ') || 'no convergence'}): Nelder-Mead took over`);
    const fallback = nelderMead(objective, result.x, { restarts: 3, budget });
    if (fallback.value <= result.value) result = { ...fallback, iterations: result.iterations + fallback.iterations };
  }
  const params = result.x.map(Math.exp);
  const gradientAt = (x: number[]) => (objectiveGradient ? objectiveGradient(x) : gradient(unboxed, x));
  const g = gradientAt(result.x);
  // A coordinate on the edge of the box with the gradient pushing outward is held there: its
  // gradient is not a sign of non-convergence, and it has no standard error.
  const held = result.x.map((v, i) => (v <= -LOG_BOUND + 1e-9 && g[i]! > 0) || (v >= LOG_BOUND - 1e-9 && g[i]! < 0));
  // Standard errors: the Hessian of -LL in the (well-scaled) log-parameters, carried to the
  // natural scale by the delta method, SE(theta) = theta x SE(log theta) (the gradient is ~0 at the optimum).
  const covariance = held.some(Boolean) ? null : invert(objectiveGradient ? hessianFromGradient(objectiveGradient, result.x) : hessian(unboxed, result.x, 1e-4));
  const standardErrors = covariance ? covariance.map((row, i) => params[i]! * Math.sqrt(Math.max(0, row[i]!))) : null;
  const warnings = [...notes, ...(result.converged ? [] : result.warnings)];
  const atBound = result.x.map((v, i) => (Math.abs(v) >= LOG_BOUND - 1e-6 ? i : -1)).filter((i) => i >= 0);
  if (atBound.length) warnings.push(`parameter(s) ${atBound.map((i) => i + 1).join(', ')} at the edge of the allowed range (e^±${LOG_BOUND})`);
  const gradNorm = Math.hypot(...g.map((v, i) => (held[i] ? 0 : v)));
  // Relative to the likelihood's size: a million customers' log-likelihood has a million times the rounding noise.
  const gradLimit = 1e-2 * Math.max(1, Math.abs(result.value) / 1e4);
  if (gradNorm > gradLimit) warnings.push(`gradient norm ${gradNorm.toExponential(2)} at the optimum is large`);
  if (!covariance && !held.some(Boolean)) warnings.push('the Hessian is singular: no standard errors');
  return {
    params,
    report: {
      log_likelihood: -(result.value - penaltyOf(result.x)),
      converged: gradNorm <= gradLimit,
      iterations: result.iterations,
      gradient_norm: gradNorm,
      standard_errors: standardErrors,
      log_covariance: covariance,
      warnings,
      degenerate: [],
      ...(weight > 0 ? { penalty: penalty!.strength } : {}),
    },
  };
}

/**
 * A fit's report with the model's own reading of its parameters: a
 * degenerate fit says what the data leave undetermined, and its standard
 * errors (which a boundary makes meaningless: they print as 0) are dropped.
 */
export function withDegeneracy(report: FitReport, degenerate: Degeneracy[]): FitReport {
  if (!degenerate.length) return report;
  return {
    ...report, degenerate, standard_errors: null, log_covariance: null,
    warnings: [...report.warnings, ...degenerate.map((d) => d.message)],
  };
}
