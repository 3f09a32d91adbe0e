import { gradient, hessian, invert, nelderMead, type MinimizeResult } from './optimize.js';

/** What a fit reports besides its parameters: a fit never throws on convergence trouble. */
export interface FitReport {
  log_likelihood: number;
  converged: boolean;
  iterations: number;
  gradient_norm: number;
  /** Standard errors of the parameters (natural scale, delta method from the log-scale Hessian); null when the Hessian is singular. */
  standard_errors: number[] | null;
  warnings: string[];
}

/**
 * Maximises a log-likelihood over positive parameters: minimises -LL over
 * log-parameters from several starts (the best wins), and reports
 * convergence, the gradient norm at the optimum and standard errors.
 */
export function fitPositive(logLik: (params: number[]) => number, starts: number[][]): { params: number[]; report: FitReport } {
  const objective = (logParams: number[]) => -logLik(logParams.map(Math.exp));
  // A short search from each start; the best one is then run to convergence.
  let best: MinimizeResult | null = null;
  for (const start of starts) {
    const result = nelderMead(objective, start.map(Math.log), { restarts: 0, maxIterations: 300, tolerance: 1e-8 });
    if (!best || result.value < best.value) best = result;
  }
  const result = nelderMead(objective, best!.x, { restarts: 3 });
  const params = result.x.map(Math.exp);
  // Standard errors: the Hessian of -LL in the (well-scaled) log-parameters, carried to the
  // natural scale by the delta method, SE(theta) = theta x SE(log theta) (the gradient is ~0 at the optimum).
  const covariance = invert(hessian(objective, result.x, 1e-4));
  const standardErrors = covariance ? covariance.map((row, i) => params[i]! * Math.sqrt(Math.max(0, row[i]!))) : null;
  const warnings = [...result.warnings];
  const gradNorm = Math.hypot(...gradient(objective, result.x));
  if (gradNorm > 1e-2) warnings.push(`gradient norm ${gradNorm.toExponential(2)} at the optimum is large`);
  if (!covariance) warnings.push('the Hessian is singular: no standard errors');
  return {
    params,
    report: {
      log_likelihood: -result.value,
      converged: result.converged && gradNorm <= 1e-2,
      iterations: result.iterations,
      gradient_norm: gradNorm,
      standard_errors: standardErrors,
      warnings,
    },
  };
}
