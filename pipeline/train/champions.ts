import type { PurchaseModelName } from '../btyd/fitBtyd.js';
import type { ChurnModelName, ValueModelName } from '../learn/trainedModels.js';
import { churnMetrics, valueMetrics, type ChurnMetrics, type ValueMetrics } from '../shared/evaluation.js';
import type { Backtest } from './backtest.js';

export interface Champions {
  churnModel: ChurnModelName;
  valueModel: ValueModelName;
  btydModel: PurchaseModelName;
  churnCandidates: Record<ChurnModelName, ChurnMetrics>;
  valueCandidates: Record<ValueModelName, ValueMetrics>;
}

/**
 * The champions on the holdout: churn, the candidate with the lowest log
 * loss; value, the one with the highest normalized Gini of spend; the BTYD
 * model behind the scores, whichever of BG/NBD and Pareto/NBD ranks spend
 * better.
 */
export function chooseChampions(b: Backtest): Champions {
  const churnCandidates = Object.fromEntries(Object.entries(b.churnScores).map(([k, v]) => [k, churnMetrics(v, b.churned)])) as Record<ChurnModelName, ChurnMetrics>;
  const churnModel = (Object.keys(churnCandidates) as ChurnModelName[]).reduce((best, k) => (churnCandidates[k].log_loss < churnCandidates[best].log_loss ? k : best));
  const valueCandidates = Object.fromEntries(Object.entries(b.valueScores).map(([k, v]) => [k, valueMetrics(v, b.spend)])) as Record<ValueModelName, ValueMetrics>;
  const valueModel = (Object.keys(valueCandidates) as ValueModelName[]).reduce((best, k) => (valueCandidates[k].normalized_gini > valueCandidates[best].normalized_gini ? k : best));
  const btydModel: PurchaseModelName = valueCandidates.pareto.normalized_gini > valueCandidates.bgnbd.normalized_gini ? 'pareto' : 'bgnbd';
  return { churnModel, valueModel, btydModel, churnCandidates, valueCandidates };
}
