import { bgnbdTotalLogLik, type BgNbdParams } from './bgnbd.js';
import { familyOf, purchaseFits, type BtydModels, type PurchaseModelName } from './fitBtyd.js';
import { mbgnbdEvaluate } from './mbgnbd.js';
import { paretoNbdTotalLogLik, prepareParetoGroups, type ParetoNbdParams } from './paretoNbd.js';
import { groupSummaries, type CustomerSummary, type Summary } from './summary.js';

/** A candidate's total log-likelihood of summaries. */
export function totalLogLik(name: PurchaseModelName, params: BgNbdParams | ParetoNbdParams, rows: readonly CustomerSummary[]): number {
  const g = groupSummaries(rows);
  switch (familyOf(name)) {
    case 'bgnbd':
      return bgnbdTotalLogLik(params as BgNbdParams, g);
    case 'mbgnbd':
      return mbgnbdEvaluate(params as BgNbdParams, g).logLik;
    case 'pareto':
      return paretoNbdTotalLogLik(params as ParetoNbdParams, prepareParetoGroups(g));
  }
}

/**
 * How well each candidate fitted at a calibration end predicts what its
 * customers did next: the log-density of the holdout period's purchases
 * given each customer's history, averaged over the customers known at the
 * calibration end. `calibration` holds their summaries at the calibration
 * end, `full` everyone's at the holdout's end (the same time unit as the
 * models'). The summary likelihoods are densities of the purchase times,
 * so this is exactly the likelihood of the whole history to the holdout's
 * end minus that of its calibration part, for every model alike: a proper
 * score that compares BG/NBD, MBG/NBD and Pareto/NBD, penalized or not, on
 * data none of them learnt from. Empty when no customer is known or one of
 * them is missing from `full`.
 */
export function holdoutLogLikelihoods(models: BtydModels, calibration: Summary, full: Summary): Partial<Record<PurchaseModelName, number>> {
  const known = new Set(calibration.ids);
  const later = full.rows.filter((_, i) => known.has(full.ids[i]!));
  const n = calibration.rows.length;
  if (n === 0 || later.length !== n) return {};
  return Object.fromEntries(Object.entries(purchaseFits(models)).map(([name, fit]) => {
    const { report: _report, ...params } = fit;
    const ll = (totalLogLik(name as PurchaseModelName, params, later) - totalLogLik(name as PurchaseModelName, params, calibration.rows)) / n;
    return [name, ll];
  }));
}
