import type { RegistryRow } from './registry.js';

export interface PromotionDecision {
  promoted: boolean;
  reason: string;
  /** The challenger is the champion itself (the same content, so the same version): nothing changes. */
  unchanged?: boolean;
}

/**
 * Whether a challenger replaces the champion. On the same holdout (same
 * data and as-of) the challenger must match or beat the champion's churn
 * log loss and not lose value Gini; with no champion, or when the champion
 * was backtested on another holdout (new data: its figures are not
 * comparable), the challenger must beat recency alone on its own holdout.
 */
export function decidePromotion(challenger: RegistryRow, current: RegistryRow | undefined): PromotionDecision {
  const beatsRecency = (challenger.churn_auc ?? 0) > (challenger.recency_auc ?? 1);
  if (current && current.model_version === challenger.model_version) {
    return { promoted: false, unchanged: true, reason: `retrained on the same data, the models came out the same as the champion ${current.model_version}: nothing changed, it stays the champion` };
  }
  if (!current || current.holdout_cutoff !== challenger.holdout_cutoff) {
    const context = current ? `the champion ${current.model_version} was backtested on another holdout (${current.holdout_cutoff})` : 'there is no champion yet';
    return beatsRecency
      ? { promoted: true, reason: `${context}; the challenger beats recency alone (AUC ${challenger.churn_auc?.toFixed(4)} against ${challenger.recency_auc?.toFixed(4)})` }
      : { promoted: !current, reason: `${context}; the challenger does not beat recency alone (AUC ${challenger.churn_auc?.toFixed(4)} against ${challenger.recency_auc?.toFixed(4)})${current ? '' : ', promoted for want of any other'}` };
  }
  const better = (challenger.churn_log_loss ?? Infinity) <= (current.churn_log_loss ?? Infinity) && (challenger.value_gini ?? -Infinity) >= (current.value_gini ?? -Infinity) - 1e-9;
  return better
    ? { promoted: true, reason: `on the same holdout the challenger's churn log loss ${challenger.churn_log_loss?.toFixed(5)} is no worse than the champion's ${current.churn_log_loss?.toFixed(5)} and its value Gini ${challenger.value_gini?.toFixed(4)} no lower than ${current.value_gini?.toFixed(4)}` }
    : { promoted: false, reason: `on the same holdout the challenger (log loss ${challenger.churn_log_loss?.toFixed(5)}, Gini ${challenger.value_gini?.toFixed(4)}) does not beat the champion ${current.model_version} (log loss ${current.churn_log_loss?.toFixed(5)}, Gini ${current.value_gini?.toFixed(4)})` };
}
