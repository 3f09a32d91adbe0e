import { fitPositive, type FitReport } from './fitReport.js';
import { lgamma } from './special.js';

/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
 * Fader & Hardie 2013 note 025): a customer's transaction values are
 * gamma(p, nu) around a personal mean, with nu gamma(q, gamma) across
 * customers. Fitted on repeat customers' (x, mean repeat value).
 */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export function gammaGammaLogLik(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  return (
    lgamma(p * x + q) - lgamma(p * x) - lgamma(q) + q * Math.log(gamma) + (p * x - 1) * Math.log(zbar) +
    p * x * Math.log(x) - (p * x + q) * Math.log(gamma + x * zbar)
  );
}

export function fitGammaGamma(rows: readonly { x: number; mean_repeat_value?: number | null }[]): { params: GammaGammaParams; report: FitReport } {
  const repeaters = rows.filter((r) => r.x > 0 && r.mean_repeat_value != null && r.mean_repeat_value > 0);
  const groups = new Map<string, { x: number; z: number; w: number }>();
  for (const r of repeaters) {
    const key = `${r.x}|${r.mean_repeat_value}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: r.x, z: r.mean_repeat_value!, w: 1 });
  }
  const list = [...groups.values()];
  const logLik = ([p, q, gamma]: number[]) => {
    const params = { p: p!, q: q!, gamma: gamma! };
    let s = 0;
    for (const g of list) s += g.w * gammaGammaLogLik(params, g.x, g.z);
    return s;
  };
  const meanZ = repeaters.reduce((s, r) => s + r.mean_repeat_value!, 0) / Math.max(1, repeaters.length);
  const { params, report } = fitPositive(logLik, [
    [1, 1, Math.max(1, meanZ)],
    [5, 3, Math.max(1, meanZ / 2)],
    [2, 5, Math.max(1, meanZ * 2)],
  ]);
  if (repeaters.length < 10) report.warnings.push(`only ${repeaters.length} repeat customers: the spend model is weak`);
  const nonPositive = rows.filter((r) => r.x > 0 && !(r.mean_repeat_value != null && r.mean_repeat_value > 0)).length;
  if (nonPositive > 0) report.warnings.push(`${nonPositive} repeat customers with zero or negative net repeat spend were left out of the fit (their expected order value is 0)`);
  return { params: { p: params[0]!, q: params[1]!, gamma: params[2]! }, report };
}

/**
 * E[mean transaction value | x repeat purchases with mean zbar]; the
 * population mean when x = 0; 0 for a repeat customer whose net repeat
 * spend is zero or negative (they return what they buy).
 */
export function gammaGammaExpectedSpend(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  if (x <= 0) return (p * gamma) / (q - 1);
  if (!(zbar > 0)) return 0;
  return (p * (gamma + x * zbar)) / (p * x + q - 1);
}
