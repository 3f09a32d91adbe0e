import type { Champions } from './champions.js';

/** One model choice in words and in figures: which candidate won, by which rule, by how much, against which baseline. */
export interface ChoiceStatement {
  winner: string;
  rule: string;
  /** The winner's figure on the rule, the runner-up's (null when it stood alone) and the margin between them. */
  figure: number;
  runner_up: string | null;
  runner_up_figure: number | null;
  margin: number | null;
  baseline: { name: string; figure: number; margin: number };
  /** False when every candidate was left out of the choice (churn: none beat the churn rate for everyone): the winner scores for want of another, its scores are unreliable. */
  beats_constant: boolean;
  /** What that means, in words, for the log's warning and the report's first screen; null when a candidate beat the constant. */
  warning: string | null;
  text: string;
}

/** What model_metrics.json's `choice` holds, the log says and the report prints. */
export interface ModelChoice {
  churn: ChoiceStatement;
  value: ChoiceStatement;
  purchase: string;
}

const f = (v: number, d: number) => v.toFixed(d);
/** A figure as model_metrics.json keeps it. */
const r = (v: number) => Number(v.toFixed(6));

/**
 * Says each choice of chooseChampions in words: the churn champion (the
 * lowest holdout log loss; its AUC against recency alone's), the value
 * champion (the highest normalized Gini of holdout spend, against historic
 * value alone's) and the purchase model (its own reason). Flagged
 * candidates are named as left out, not as runners-up.
 */
export function describeChoice(c: Champions, recencyAuc: number, historicGini: number): ModelChoice {
  // Each choice's own flags (a flag without its choice, from an older record, counts for both).
  const flaggedFor = (choice: 'churn' | 'value') => new Set(c.flagged.filter((x) => (x.choice ?? choice) === choice).map((x) => x.model));
  const churnFlagged = flaggedFor('churn');
  const valueFlagged = flaggedFor('value');
  const churnRivals = Object.entries(c.churnCandidates).filter(([k]) => k !== c.churnModel && !churnFlagged.has(k)).sort((a, b) => a[1].log_loss - b[1].log_loss);
  const churn = c.churnCandidates[c.churnModel];
  const churnNext = churnRivals[0];
  const churnRule = 'the lowest log loss on the holdout';
  const aucMargin = churn.auc - recencyAuc;
  // chooseChampions' rule for leaving a candidate out, applied to the winner: a winner no better than the holdout's churn rate for everyone means none was.
  const rate = churn.churn_rate;
  const constantLogLoss = rate > 0 && rate < 1 ? -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate)) : 0;
  const churnNone = !Number.isFinite(churn.log_loss) || churn.log_loss > constantLogLoss + 1e-9;
  const churnWarning = churnNone
    ? `No churn model beat the constant base rate on the holdout: every candidate's log loss is worse than giving everyone the holdout's churn rate (${f(constantLogLoss, 5)}), so the churn scores (churn_probability, churn_risk and what is ranked by them) are unreliable; ${c.churnModel} scores churn for want of a better one`
    : null;
  const churnText = (churnWarning ? `${churnWarning}. ${c.churnModel} scores churn: ${churnRule} of them all (${f(churn.log_loss, 5)}). `
    : `${c.churnModel} scores churn: ${churnRule} (${f(churn.log_loss, 5)}${churnNext ? ` against ${f(churnNext[1].log_loss, 5)} for ${churnNext[0]}, the next best: ${f(churnNext[1].log_loss - churn.log_loss, 5)} lower` : ', the only candidate left'}). `)
    + `Its AUC ${f(churn.auc, 3)} is ${aucMargin > 0 ? `${f(aucMargin, 3)} above` : `${f(-aucMargin, 3)} below`} recency alone (${f(recencyAuc, 3)})`
    + `${churnNext ? `; ${churnNext[0]}'s AUC is ${f(churnNext[1].auc, 3)}` : ''}.`;

  const valueEligible = (k: string) => (k === 'neural' || k === c.btydModel) && !valueFlagged.has(k);
  const valueRivals = Object.entries(c.valueCandidates).filter(([k]) => k !== c.valueModel && valueEligible(k)).sort((a, b) => b[1].normalized_gini - a[1].normalized_gini);
  const value = c.valueCandidates[c.valueModel];
  const valueNext = valueRivals[0];
  const valueRule = 'the highest normalized Gini of holdout spend';
  const giniMargin = value.normalized_gini - historicGini;
  const valueNone = !(Number.isFinite(value.normalized_gini) && value.normalized_gini > 0);
  const valueWarning = valueNone
    ? `No value model ranked holdout spend better than chance (a normalized Gini above 0), so the value predictions (predicted_clv_12m and what is built on them) are unreliable; ${c.valueModel} predicts value for want of a better one`
    : null;
  const valueText = (valueWarning ? `${valueWarning}. ${c.valueModel} predicts value: ${valueRule} of them all (${f(value.normalized_gini, 3)}). `
    : `${c.valueModel} predicts value: ${valueRule} (${f(value.normalized_gini, 3)}${valueNext ? ` against ${f(valueNext[1].normalized_gini, 3)} for ${valueNext[0]}: ${f(value.normalized_gini - valueNext[1].normalized_gini, 3)} higher` : ', the only candidate left'}). `)
    + `Historic value alone ranks ${f(historicGini, 3)}: the champion is ${giniMargin > 0 ? `${f(giniMargin, 3)} above` : `${f(-giniMargin, 3)} below`} it.`;
  const left = c.flagged.length ? ` Left out of the choice: ${c.flagged.map((x) => `${x.model} (${x.choice ? `${x.choice}: ` : ''}${x.why})`).join('; ')}.` : '';

  return {
    churn: {
      winner: c.churnModel, rule: churnRule, figure: r(churn.log_loss), runner_up: churnNext?.[0] ?? null, runner_up_figure: churnNext ? r(churnNext[1].log_loss) : null,
      margin: churnNext ? r(churnNext[1].log_loss - churn.log_loss) : null, baseline: { name: 'recency_only_auc', figure: r(recencyAuc), margin: r(aucMargin) }, beats_constant: !churnNone, warning: churnWarning, text: churnText + left,
    },
    value: {
      winner: c.valueModel, rule: valueRule, figure: r(value.normalized_gini), runner_up: valueNext?.[0] ?? null, runner_up_figure: valueNext ? r(valueNext[1].normalized_gini) : null,
      margin: valueNext ? r(value.normalized_gini - valueNext[1].normalized_gini) : null, baseline: { name: 'historic_value_gini', figure: r(historicGini), margin: r(giniMargin) }, beats_constant: !valueNone, warning: valueWarning, text: valueText,
    },
    purchase: `${c.btyd.reason}.`,
  };
}
