import type { Database } from '../db/Database.js';
import { fitBgNbd, type BgNbdParams } from './bgnbd.js';
import type { FitReport } from './fitReport.js';
import { fitGammaGamma, type GammaGammaParams } from './gammaGamma.js';
import { fitParetoNbd, type ParetoNbdParams } from './paretoNbd.js';
import { readSummary } from './summary.js';

/** A month, in days: 365.25 / 12. */
export const MONTH_DAYS = 365.25 / 12;

export type PurchaseModelName = 'bgnbd' | 'pareto';

/** The three fitted models at one calibration end, in the fit's time unit. */
export interface BtydModels {
  calibration_end: string;
  unit_days: number;
  customers: number;
  bgnbd: BgNbdParams & { report: FitReport };
  pareto: ParetoNbdParams & { report: FitReport };
  gamma_gamma: GammaGammaParams & { report: FitReport };
}

export type BgNbdFit = ReturnType<typeof fitBgNbd>;

export interface FitOptions {
  /** Time unit in days (7: weeks). */
  unitDays?: number;
  /** A BG/NBD fit already made on the same summary (the per-cutoff features make one). */
  bgnbd?: BgNbdFit;
}

/**
 * Fits BG/NBD, Pareto/NBD and Gamma-Gamma on the orders of table `source`
 * (customer_id, order_date, amount) up to `calibrationEnd`.
 */
export async function fitBtydModels(db: Database, source: string, calibrationEnd: string, options: FitOptions = {}): Promise<BtydModels> {
  const unitDays = options.unitDays ?? 7;
  const { rows } = await readSummary(db, source, calibrationEnd, unitDays);
  if (rows.length === 0) throw new Error(`no purchases on or before ${calibrationEnd} to fit the BTYD models on`);
  const bg = options.bgnbd ?? fitBgNbd(rows);
  const pn = fitParetoNbd(rows);
  const gg = fitGammaGamma(rows);
  return {
    calibration_end: calibrationEnd,
    unit_days: unitDays,
    customers: rows.length,
    bgnbd: { ...bg.params, report: bg.report },
    pareto: { ...pn.params, report: pn.report },
    gamma_gamma: { ...gg.params, report: gg.report },
  };
}

/** The fits as published: parameters, their standard errors, log-likelihood and convergence. */
export function summarizeBtyd(m: BtydModels) {
  const describe = <P extends object>(fit: P & { report: FitReport }, names: (keyof P & string)[]) => {
    const { report, ...params } = fit;
    return {
      ...params,
      standard_errors: report.standard_errors ? Object.fromEntries(names.map((k, i) => [k, Number(report.standard_errors![i]!.toPrecision(6))])) : null,
      log_likelihood: report.log_likelihood,
      converged: report.converged,
      iterations: report.iterations,
      gradient_norm: report.gradient_norm,
      warnings: report.warnings,
    };
  };
  return {
    calibration_end: m.calibration_end,
    time_unit_days: m.unit_days,
    customers: m.customers,
    bgnbd: describe(m.bgnbd, ['r', 'alpha', 'a', 'b']),
    pareto: describe(m.pareto, ['r', 'alpha', 's', 'beta']),
    gamma_gamma: describe(m.gamma_gamma, ['p', 'q', 'gamma']),
  };
}
