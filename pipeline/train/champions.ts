import { purchaseFits, type BtydModels, type PurchaseModelName } from '../btyd/fitBtyd.js';
import { disqualifying } from '../btyd/degeneracy.js';
import type { ChurnModelName, ValueModelName } from '../learn/trainedModels.js';
import { churnMetrics, valueMetrics, type ChurnMetrics, type ValueMetrics } from '../shared/evaluation.js';
import { mae } from '../shared/metrics.js';
import type { Backtest } from './backtest.js';

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

/** A candidate whose figures cannot be trusted: not finite, or no better than a constant. */
export interface Flag {
  model: string;
  why: string;
}

export interface Champions {
  churnModel: ChurnModelName;
  valueModel: ValueModelName;
  btydModel: PurchaseModelName;
  btyd: BtydChoice;
  churnCandidates: Record<ChurnModelName, ChurnMetrics>;
  valueCandidates: Record<ValueModelName, ValueMetrics>;
  /** The candidates left out of the choice, and why. */
  flagged: Flag[];
}

const finite = (m: object) => Object.values(m).every((v) => typeof v !== 'number' || Number.isFinite(v));

/**
 * The champions on the holdout: the purchase model on its holdout
 * likelihood (chooseBtyd); churn, the candidate with the lowest log loss;
 * value, the one with the highest normalized Gini of spend, among the
 * networks and the chosen purchase model (the other BTYD fits are shown
 * beside them). A candidate whose figures are not finite, or no better
 * than a constant (churn: a log loss above the holdout's churn rate for
 * everyone; value: a Gini of 0 or below, or a mean absolute error above
 * the holdout's mean spend for everyone), is flagged and left out while
 * another remains.
 */
export function chooseChampions(b: Backtest): Champions {
  const btyd = b.btydChoice;
  const flagged: Flag[] = [];
  const churnCandidates = Object.fromEntries(Object.entries(b.churnScores).map(([k, v]) => [k, churnMetrics(v, b.churned)])) as Record<ChurnModelName, ChurnMetrics>;
  const rate = b.churned.reduce((s, v) => s + v, 0) / Math.max(1, b.churned.length);
  const constantLogLoss = rate > 0 && rate < 1 ? -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate)) : 0;
  for (const [k, m] of Object.entries(churnCandidates)) {
    if (!finite(m)) flagged.push({ model: k, why: 'its holdout figures are not finite' });
    else if (m.log_loss > constantLogLoss + 1e-9) flagged.push({ model: k, why: `its log loss ${m.log_loss.toFixed(4)} is worse than the churn rate for everyone (${constantLogLoss.toFixed(4)})` });
  }
  const valueCandidates = Object.fromEntries(Object.entries(b.valueScores).map(([k, v]) => [k, valueMetrics(v, b.spend)])) as Record<ValueModelName, ValueMetrics>;
  const meanSpend = b.spend.reduce((s, v) => s + v, 0) / Math.max(1, b.spend.length);
  const constantMae = mae(new Float64Array(b.spend.length).fill(meanSpend), b.spend);
  for (const [k, m] of Object.entries(valueCandidates)) {
    const error = mae(b.valueScores[k as ValueModelName]!, b.spend);
    if (!finite(m) || !Number.isFinite(error)) flagged.push({ model: k, why: 'its holdout figures are not finite' });
    else if (m.normalized_gini <= 0) flagged.push({ model: k, why: `its normalized Gini ${m.normalized_gini.toFixed(4)} ranks spend no better than chance` });
    else if (error > constantMae) flagged.push({ model: k, why: `its mean absolute error per customer (${error.toFixed(2)}) is worse than the mean spend for everyone (${constantMae.toFixed(2)})` });
  }
  const isFlagged = (k: string) => flagged.some((f) => f.model === k);
  const pick = <K extends string, M>(all: Record<K, M>, eligible: (k: K) => boolean, better: (a: M, b: M) => boolean): K => {
    const keys = (Object.keys(all) as K[]).filter(eligible);
    const pool = keys.filter((k) => !isFlagged(k));
    return (pool.length ? pool : keys).reduce((best, k) => (better(all[k], all[best]) ? k : best));
  };
  const churnModel = pick(churnCandidates, () => true, (a, c) => a.log_loss < c.log_loss);
  const valueModel = pick(valueCandidates, (k) => k === 'neural' || k === btyd.model, (a, c) => a.normalized_gini > c.normalized_gini);
  return { churnModel, valueModel, btydModel: btyd.model, btyd, churnCandidates, valueCandidates, flagged };
}
