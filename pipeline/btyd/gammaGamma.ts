import { gammaGammaDegeneracy } from './degeneracy.js';
import { fitPositive, withDegeneracy, type FitLimits, type FitReport } from './fitReport.js';
import { digamma, lgamma } from './special.js';

/*
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
 * Fader & Hardie 2013 note 025): a customer's transaction values are
 * gamma(p, nu) around a personal mean, with nu gamma(q, gamma) across
 * customers. Fitted on repeat customers' (x, mean repeat value).
 */

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
  /** When q <= 1 (no finite population mean): the repeat customers' mean order value, given to a customer with no repeat purchase. */
  fallback_order_value?: number;
}

export function gammaGammaLogLik(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  return (
    lgamma(p * x + q) - lgamma(p * x) - lgamma(q) + q * Math.log(gamma) + (p * x - 1) * Math.log(zbar) +
    p * x * Math.log(x) - (p * x + q) * Math.log(gamma + x * zbar)
  );
}

/**
 * The gradient of the summed log-likelihood in (p, q, gamma): per group,
 * d/dp = x [psi(px+q) - psi(px) + ln zbar + ln x - ln(gamma + x zbar)],
 * d/dq = psi(px+q) - psi(q) + ln gamma - ln(gamma + x zbar),
 * d/dgamma = q / gamma - (px+q) / (gamma + x zbar).
 */
export function gammaGammaGradient(params: GammaGammaParams, groups: readonly { x: number; z: number; w: number }[]): [number, number, number] {
  const { p, q, gamma } = params;
  let dp = 0;
  let dq = 0;
  let dg = 0;
  for (const { x, z, w } of groups) {
    const both = digamma(p * x + q);
    const lSum = Math.log(gamma + x * z);
    dp += w * x * (both - digamma(p * x) + Math.log(z) + Math.log(x) - lSum);
    dq += w * (both - digamma(q) + Math.log(gamma) - lSum);
    dg += w * (q / gamma - (p * x + q) / (gamma + x * z));
  }
  return [dp, dq, dg];
}

export function fitGammaGamma(rows: readonly { x: number; mean_repeat_value?: number | null }[], limits: FitLimits = {}): { params: GammaGammaParams; report: FitReport } {
  const repeaters = rows.filter((r) => r.x > 0 && r.mean_repeat_value != null && r.mean_repeat_value > 0);
  const groups = new Map<string, { x: number; z: number; w: number }>();
  for (const r of repeaters) {
    const key = `${r.x}|${r.mean_repeat_value}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: r.x, z: r.mean_repeat_value!, w: 1 });
  }
  const list = [...groups.values()];
  const asParams = ([p, q, gamma]: number[]) => ({ p: p!, q: q!, gamma: gamma! });
  const logLik = (v: number[]) => {
    const params = asParams(v);
    let s = 0;
    for (const g of list) s += g.w * gammaGammaLogLik(params, g.x, g.z);
    return s;
  };
  const gradient = (v: number[]) => gammaGammaGradient(asParams(v), list);
  const meanZ = repeaters.reduce((s, r) => s + r.mean_repeat_value!, 0) / Math.max(1, repeaters.length);
  const fit = fitPositive(logLik, [
    [1, 1, Math.max(1, meanZ)],
    [5, 3, Math.max(1, meanZ / 2)],
    [2, 5, Math.max(1, meanZ * 2)],
  ], gradient, limits);
  const params: GammaGammaParams = asParams(fit.params);
  if (params.q <= 1) params.fallback_order_value = meanZ;
  const report = withDegeneracy(fit.report, gammaGammaDegeneracy(params));
  if (repeaters.length < 10) report.warnings.push(`only ${repeaters.length} repeat customers: the spend model is weak`);
  const nonPositive = rows.filter((r) => r.x > 0 && !(r.mean_repeat_value != null && r.mean_repeat_value > 0)).length;
  if (nonPositive > 0) report.warnings.push(`${nonPositive} repeat customers with zero or negative net repeat spend were left out of the fit (their expected order value is 0)`);
  return { params, report };
}

/**
 * E[mean transaction value | x repeat purchases with mean zbar]; the
 * population mean when x = 0; 0 for a repeat customer whose net repeat
 * spend is zero or negative (they return what they buy).
 */
export function gammaGammaExpectedSpend(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  if (x <= 0) return q > 1 ? (p * gamma) / (q - 1) : params.fallback_order_value ?? NaN;
  if (!(zbar > 0)) return 0;
  return (p * (gamma + x * zbar)) / (p * x + q - 1);
}
