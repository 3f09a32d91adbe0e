import type { PurchaseModelName } from '../btyd/fitBtyd.js';
import type { ChurnModelName, ValueModelName } from '../learn/trainedModels.js';
import { churnMetrics, valueMetrics, type ChurnMetrics, type ValueMetrics } from '../shared/evaluation.js';
import { mae } from '../shared/metrics.js';
import type { Backtest } from './backtest.js';
import type { BtydChoice } from './btydChoice.js';

/** A candidate whose figures cannot be trusted: not finite, or no better than a constant. */
export interface Flag {
  model: string;
  why: string;
  /** The choice it is left out of: a model flagged for churn still stands for value, and the other way round. */
  choice: 'churn' | 'value';
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
    if (!finite(m)) flagged.push({ model: k, why: 'its holdout figures are not finite', choice: 'churn' });
    else if (m.log_loss > constantLogLoss + 1e-9) flagged.push({ model: k, why: `its log loss ${m.log_loss.toFixed(4)} is worse than the churn rate for everyone (${constantLogLoss.toFixed(4)})`, choice: 'churn' });
  }
  const valueCandidates = Object.fromEntries(Object.entries(b.valueScores).map(([k, v]) => [k, valueMetrics(v, b.spend)])) as Record<ValueModelName, ValueMetrics>;
  const meanSpend = b.spend.reduce((s, v) => s + v, 0) / Math.max(1, b.spend.length);
  const constantMae = mae(new Float64Array(b.spend.length).fill(meanSpend), b.spend);
  for (const [k, m] of Object.entries(valueCandidates)) {
    const error = mae(b.valueScores[k as ValueModelName]!, b.spend);
    if (!finite(m) || !Number.isFinite(error)) flagged.push({ model: k, why: 'its holdout figures are not finite', choice: 'value' });
    else if (m.normalized_gini <= 0) flagged.push({ model: k, why: `its normalized Gini ${m.normalized_gini.toFixed(4)} ranks spend no better than chance`, choice: 'value' });
    else if (error > constantMae) flagged.push({ model: k, why: `its mean absolute error per customer (${error.toFixed(2)}) is worse than the mean spend for everyone (${constantMae.toFixed(2)})`, choice: 'value' });
  }
  // A flag leaves a model out of its own choice only: the same name (neural, bgnbd...) is a candidate of both.
  const isFlagged = (k: string, choice: Flag['choice']) => flagged.some((f) => f.model === k && f.choice === choice);
  const pick = <K extends string, M>(choice: Flag['choice'], all: Record<K, M>, eligible: (k: K) => boolean, better: (a: M, b: M) => boolean): K => {
    const keys = (Object.keys(all) as K[]).filter(eligible);
    const pool = keys.filter((k) => !isFlagged(k, choice));
    return (pool.length ? pool : keys).reduce((best, k) => (better(all[k], all[best]) ? k : best));
  };
  const churnModel = pick('churn', churnCandidates, () => true, (a, c) => a.log_loss < c.log_loss);
  const valueModel = pick('value', valueCandidates, (k) => k === 'neural' || k === btyd.model, (a, c) => a.normalized_gini > c.normalized_gini);
  return { churnModel, valueModel, btydModel: btyd.model, btyd, churnCandidates, valueCandidates, flagged };
}
