import type { Database } from '../db/Database.js';
import { bgnbdTotalLogLik, type BgNbdParams } from './bgnbd.js';
import { familyOf, purchaseFits, type BtydModels, type PurchaseModelName } from './fitBtyd.js';
import { mbgnbdEvaluate } from './mbgnbd.js';
import { paretoNbdTotalLogLik, prepareParetoGroups, type ParetoNbdParams } from './paretoNbd.js';
import { groupSummaries, readSummary, type CustomerSummary } from './summary.js';

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
 * How well each candidate fitted at `calibrationEnd` predicts what its
 * customers did next, up to `holdoutEnd`: the log-density of the holdout
 * period's purchases given each customer's history, averaged over the
 * customers known at calibrationEnd. The summary likelihoods are
 * densities of the purchase times, so this is exactly the likelihood of
 * the whole history to holdoutEnd minus that of its calibration part, for
 * every model alike: a proper score that compares BG/NBD, MBG/NBD and
 * Pareto/NBD, penalized or not, on data none of them learnt from.
 */
export async function holdoutLogLikelihoods(db: Database, models: BtydModels, source: string, calibrationEnd: string, holdoutEnd: string): Promise<Partial<Record<PurchaseModelName, number>>> {
  const calibration = await readSummary(db, source, calibrationEnd, models.unit_days);
  const full = await readSummary(db, source, holdoutEnd, models.unit_days);
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
