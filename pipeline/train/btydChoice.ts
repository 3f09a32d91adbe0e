import { purchaseFits, type BtydModels, type PurchaseModelName } from '../btyd/fitBtyd.js';
import { disqualifying } from '../btyd/degeneracy.js';

/** One purchase-model candidate as the choice saw it. */
export interface BtydCandidate {
  name: PurchaseModelName;
  /** Mean log-density of the holdout period's purchases per customer (higher is better). */
  holdout_log_likelihood: number | null;
  /** What its fit leaves undetermined, in words. */
  degenerate: string[];
  /** No disqualifying degeneracy and a finite holdout likelihood. */
  sound: boolean;
}

export interface BtydChoice {
  model: PurchaseModelName;
  reason: string;
  candidates: BtydCandidate[];
}

/**
 * The purchase model behind p_alive, expected purchases and the CLV's
 * time profile: the sound candidate (its P(alive) informative, its
 * holdout likelihood finite) with the highest holdout likelihood; failing
 * any sound one, the best of all, and the reason says P(alive) is not
 * informative.
 */
export function chooseBtyd(models: BtydModels, holdoutLogLik: Partial<Record<PurchaseModelName, number>>): BtydChoice {
  const candidates: BtydCandidate[] = Object.entries(purchaseFits(models)).map(([name, fit]) => {
    const ll = holdoutLogLik[name as PurchaseModelName];
    const degenerate = fit.report.degenerate ?? [];
    const finite = ll !== undefined && Number.isFinite(ll);
    return { name: name as PurchaseModelName, holdout_log_likelihood: finite ? ll : null, degenerate: degenerate.map((d) => d.message), sound: finite && !disqualifying(degenerate) };
  });
  const best = (list: BtydCandidate[]) => list.reduce((a, b) => ((b.holdout_log_likelihood ?? -Infinity) > (a.holdout_log_likelihood ?? -Infinity) ? b : a));
  const sound = candidates.filter((c) => c.sound);
  if (sound.length) {
    const chosen = best(sound);
    const passedOver = candidates.filter((c) => !c.sound && (c.holdout_log_likelihood ?? -Infinity) > chosen.holdout_log_likelihood!).map((c) => c.name);
    return {
      model: chosen.name, candidates,
      reason: `${chosen.name}: the highest holdout likelihood of the sound candidates${passedOver.length ? ` (${passedOver.join(', ')} scored higher but leave P(alive) uninformative)` : ''}`,
    };
  }
  const chosen = candidates.some((c) => c.holdout_log_likelihood !== null) ? best(candidates) : candidates.find((c) => c.name === 'bgnbd')!;
  return { model: chosen.name, candidates, reason: `${chosen.name}: no candidate is sound (${chosen.degenerate[0] ?? 'no holdout likelihood'}); P(alive) is not informative` };
}
