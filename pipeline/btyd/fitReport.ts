import { Budget, bfgs, gradient, hessian, hessianFromGradient, invert, nelderMead, type MinimizeResult } from './optimize.js';

/** What a fit reports besides its parameters: a fit never throws on convergence trouble. */
export interface FitReport {
  log_likelihood: number;
  converged: boolean;
  iterations: number;
  gradient_norm: number;
  /** Standard errors of the parameters (natural scale, delta method from the log-scale Hessian); null when the Hessian is singular. */
  standard_errors: number[] | null;
  /** Covariance of the log-parameters (the inverse Hessian of -LL on the fitting scale): for sampling parameter uncertainty. */
  log_covariance: number[][] | null;
  warnings: string[];
}

/** How much work a fit may do (see Budget): likelihood evaluations, and seconds as a backstop. */
export interface FitLimits {
  maxEvaluations?: number;
  maxSeconds?: number;
}

/**
 * The box the log-parameters stay in: every parameter within
 * [e^-LOG_BOUND, e^LOG_BOUND] (about 1e-8 to 1e8). Outside it the
 * objective is infinite, so no search wanders to a flat boundary where a
 * rate or shape runs off to zero or infinity and each evaluation costs
 * more (a hypergeometric series with huge parameters).
 */
export const LOG_BOUND = 18;

/**
 * Maximises a log-likelihood over positive parameters: minimises -LL over
 * log-parameters from several starts (the best wins), within the box
 * LOG_BOUND and the budget `limits`, and reports convergence, the
 * gradient norm at the optimum and standard errors.
 */
export function fitPositive(
  logLik: (params: number[]) => number,
  starts: number[][],
  /** The gradient of logLik in the parameters, when known in closed form (otherwise numerical). */
  logLikGradient?: (params: number[]) => number[],
  limits: FitLimits = {},
): { params: number[]; report: FitReport } {
  const budget = new Budget(limits.maxEvaluations, limits.maxSeconds);
  const objective = (logParams: number[]) => (logParams.every((v) => Math.abs(v) <= LOG_BOUND) ? -logLik(logParams.map(Math.exp)) : Infinity);
  // Chain rule to the log scale: d(-LL)/d(log theta) = -theta x dLL/dtheta.
  const objectiveGradient = logLikGradient
    ? (logParams: number[]) => {
        const theta = logParams.map(Math.exp);
        return logLikGradient(theta).map((g, i) => -g * theta[i]!);
      }
    : undefined;
  // A few BFGS steps from each start; the best start is then run to convergence. If BFGS stalls,
  // Nelder-Mead takes over from the best point found, and the better of the two is kept.
  let best: MinimizeResult | null = null;
  const notes: string[] = [];
  for (const start of starts) {
    const attempt = bfgs(objective, start.map(Math.log), { maxIterations: 5, gradient: objectiveGradient, budget });
    if (!best || attempt.value < best.value) best = attempt;
  }
  const refined = bfgs(objective, best!.x, { gradient: objectiveGradient, budget });
  let result = { ...refined, iterations: refined.iterations + best!.iterations };
  if (!result.converged) {
    notes.push(`BFGS stalled (${result.warnings.join('; ') || 'no convergence'}): Nelder-Mead took over`);
    const fallback = nelderMead(objective, result.x, { restarts: 3, budget });
    if (fallback.value <= result.value) result = { ...fallback, iterations: result.iterations + fallback.iterations };
  }
  const params = result.x.map(Math.exp);
  // Standard errors: the Hessian of -LL in the (well-scaled) log-parameters, carried to the
  // natural scale by the delta method, SE(theta) = theta x SE(log theta) (the gradient is ~0 at the optimum).
  const covariance = invert(objectiveGradient ? hessianFromGradient(objectiveGradient, result.x) : hessian(objective, result.x, 1e-4));
  const standardErrors = covariance ? covariance.map((row, i) => params[i]! * Math.sqrt(Math.max(0, row[i]!))) : null;
  const warnings = [...notes, ...(result.converged ? [] : result.warnings)];
  const atBound = result.x.map((v, i) => (Math.abs(v) >= LOG_BOUND - 1e-6 ? i : -1)).filter((i) => i >= 0);
  if (atBound.length) warnings.push(`parameter(s) ${atBound.map((i) => i + 1).join(', ')} at the edge of the allowed range (e^±${LOG_BOUND})`);
  const gradNorm = Math.hypot(...(objectiveGradient ? objectiveGradient(result.x) : gradient(objective, result.x)));
  // Relative to the likelihood's size: a million customers' log-likelihood has a million times the rounding noise.
  const gradLimit = 1e-2 * Math.max(1, Math.abs(result.value) / 1e4);
  if (gradNorm > gradLimit) warnings.push(`gradient norm ${gradNorm.toExponential(2)} at the optimum is large`);
  if (!covariance) warnings.push('the Hessian is singular: no standard errors');
  return {
    params,
    report: {
      log_likelihood: -result.value,
      converged: gradNorm <= gradLimit,
      iterations: result.iterations,
      gradient_norm: gradNorm,
      standard_errors: standardErrors,
      log_covariance: covariance,
      warnings,
    },
  };
}
