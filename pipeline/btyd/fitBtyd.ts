import { fitBgNbd, type BgNbdParams, type BtydFitOptions } from './bgnbd.js';
import type { FitLimits, FitReport } from './fitReport.js';
import { fitGammaGamma, type GammaGammaParams } from './gammaGamma.js';
import { fitMbgNbd } from './mbgnbd.js';
import { fitParetoNbd, type ParetoNbdParams } from './paretoNbd.js';
import { PURCHASE_FAMILIES, type PurchaseFamily, type PurchaseModelName } from './purchaseModel.js';
import type { SeasonProfile } from './season.js';
import type { CustomerSummary } from './summary.js';

/** A month, in days: 365.25 / 12. */
export const MONTH_DAYS = 365.25 / 12;

// The models' names are purchaseModel.ts's (which needs them without this file); here for the callers that fit.
export { familyOf, PURCHASE_FAMILIES, type PurchaseFamily, type PurchaseModelName } from './purchaseModel.js';

export type PurchaseFit = (BgNbdParams | ParetoNbdParams) & { report: FitReport };

/** The fitted models at one calibration end, in the fit's time unit. */
export interface BtydModels {
  calibration_end: string;
  unit_days: number;
  customers: number;
  bgnbd: BgNbdParams & { report: FitReport };
  pareto: ParetoNbdParams & { report: FitReport };
  gamma_gamma: GammaGammaParams & { report: FitReport };
  /** The modified BG/NBD (absent from models trained before it was added). */
  mbgnbd?: BgNbdParams & { report: FitReport };
  /** The families fitted again with the penalty on their log-parameters, when btyd.penalty > 0. */
  penalized?: { strength: number } & Partial<Record<PurchaseFamily, PurchaseFit>>;
  /** The seasonal profile the projections run on (null: too short a history or turned off; absent from older models). */
  season?: SeasonProfile | null;
}

export type BgNbdFit = ReturnType<typeof fitBgNbd>;

export interface FitOptions {
  /** Time unit in days (7: weeks). */
  unitDays?: number;
  /** A BG/NBD fit already made on the same summary (the per-cutoff features make one). */
  bgnbd?: BgNbdFit;
  /** Strength of the penalty on the log-parameters of the penalized candidates (0: none are fitted). */
  penalty?: number;
  /** Learn a seasonal profile (default true; from the orders, by train/fitBtydModels.ts). */
  season?: boolean;
  limits?: FitLimits;
}

const FITTERS: Record<PurchaseFamily, (rows: Parameters<typeof fitBgNbd>[0], o: BtydFitOptions) => { params: BgNbdParams | ParetoNbdParams; report: FitReport }> = {
  bgnbd: fitBgNbd,
  mbgnbd: fitMbgNbd,
  pareto: fitParetoNbd,
};

const asFit = <P>(f: { params: P; report: FitReport }): P & { report: FitReport } => ({ ...f.params, report: f.report });

/** One purchase-model fit as its fitter gives it. */
export type FamilyFit = { params: BgNbdParams | ParetoNbdParams; report: FitReport };

/** One purchase family's fit on `rows`, penalised with `penalty` (undefined or 0: none): what fitBtyd fits, one at a time. */
export function fitFamily(rows: readonly CustomerSummary[], family: PurchaseFamily, limits: FitLimits, penalty?: number): FamilyFit {
  return FITTERS[family](rows, { ...limits, penalty });
}

/**
 * Fits every purchase-model candidate (BG/NBD, the modified BG/NBD,
 * Pareto/NBD, and each again with the penalty when `penalty` > 0) and
 * Gamma-Gamma on the customers' summaries at `calibrationEnd`. The seasonal
 * profile is learnt from the orders themselves, against the BG/NBD fit
 * (train/fitBtydModels.ts adds it). `made`: fits already made elsewhere (a
 * thread of their own: fitBtydBeside), by family and penalty, used instead
 * of fitting them here; the same figures either way.
 */
export function fitBtyd(rows: readonly CustomerSummary[], calibrationEnd: string, options: FitOptions = {}, made: ReadonlyMap<string, FamilyFit> = new Map()): Omit<BtydModels, 'season'> {
  const unitDays = options.unitDays ?? 7;
  if (rows.length === 0) throw new Error(`no purchases on or before ${calibrationEnd} to fit the BTYD models on`);
  const limits = options.limits ?? {};
  const fit = (family: PurchaseFamily, penalty?: number) =>
    asFit(family === 'bgnbd' && !penalty && options.bgnbd ? options.bgnbd : made.get(fitKey(family, penalty)) ?? fitFamily(rows, family, limits, penalty));
  const penalty = options.penalty ?? 0;
  return {
    calibration_end: calibrationEnd,
    unit_days: unitDays,
    customers: rows.length,
    bgnbd: fit('bgnbd') as BgNbdParams & { report: FitReport },
    pareto: fit('pareto') as ParetoNbdParams & { report: FitReport },
    gamma_gamma: asFit(fitGammaGamma(rows, limits)),
    mbgnbd: fit('mbgnbd') as BgNbdParams & { report: FitReport },
    ...(penalty > 0 ? { penalized: { strength: penalty, ...Object.fromEntries(PURCHASE_FAMILIES.map((f) => [f, fit(f, penalty)])) } } : {}),
  };
}

/** The purchase-model fits fitBtyd makes for `options`, each a family and its penalty (none: undefined): BG/NBD's left out when given. */
export function plannedFits(options: FitOptions = {}): [PurchaseFamily, number | undefined][] {
  const penalty = options.penalty ?? 0;
  return [
    ...(options.bgnbd ? [] : [['bgnbd', undefined] as [PurchaseFamily, undefined]]),
    ['pareto', undefined],
    ['mbgnbd', undefined],
    ...(penalty > 0 ? PURCHASE_FAMILIES.map((f): [PurchaseFamily, number] => [f, penalty]) : []),
  ];
}

/** How fitBtyd's `made` names a fit: its family and its penalty (none: 0). */
export const fitKey = (family: PurchaseFamily, penalty?: number): string => `${family}/${penalty || 0}`;

/** The candidates a set of fits holds, by name (older models hold only BG/NBD and Pareto/NBD). */
export function purchaseFits(m: BtydModels): Partial<Record<PurchaseModelName, PurchaseFit>> {
  const out: Partial<Record<PurchaseModelName, PurchaseFit>> = { bgnbd: m.bgnbd, pareto: m.pareto };
  if (m.mbgnbd) out.mbgnbd = m.mbgnbd;
  for (const f of PURCHASE_FAMILIES) if (m.penalized?.[f]) out[`${f}_penalized`] = m.penalized[f];
  return out;
}

/** One candidate's fit; throws when the models hold no such candidate. */
export function purchaseFit(m: BtydModels, name: PurchaseModelName): PurchaseFit {
  const fit = purchaseFits(m)[name];
  if (!fit) throw new Error(`these models hold no ${name} fit`);
  return fit;
}

/** The fits as published: parameters, their standard errors, log-likelihood, convergence and what they leave undetermined. */
export function summarizeBtyd(m: BtydModels) {
  const describe = (fit: { report: FitReport }, names: string[]) => {
    const { report, ...params } = fit;
    return {
      ...params,
      standard_errors: report.standard_errors ? Object.fromEntries(names.map((k, i) => [k, Number(report.standard_errors![i]!.toPrecision(6))])) : null,
      log_likelihood: report.log_likelihood,
      converged: report.converged,
      iterations: report.iterations,
      gradient_norm: report.gradient_norm,
      warnings: report.warnings,
      ...(report.degenerate?.length ? { degenerate: report.degenerate } : {}),
      ...(report.penalty ? { penalty: report.penalty } : {}),
    };
  };
  const BG = ['r', 'alpha', 'a', 'b'];
  const PN = ['r', 'alpha', 's', 'beta'];
  return {
    calibration_end: m.calibration_end,
    time_unit_days: m.unit_days,
    customers: m.customers,
    bgnbd: describe(m.bgnbd, BG),
    pareto: describe(m.pareto, PN),
    gamma_gamma: describe(m.gamma_gamma, ['p', 'q', 'gamma']),
    ...(m.mbgnbd ? { mbgnbd: describe(m.mbgnbd, BG) } : {}),
    ...(m.penalized
      ? Object.fromEntries(PURCHASE_FAMILIES.filter((f) => m.penalized![f]).map((f) => [`${f}_penalized`, describe(m.penalized![f]!, f === 'pareto' ? PN : BG)]))
      : {}),
    ...(m.season !== undefined ? { season: m.season } : {}),
  };
}
