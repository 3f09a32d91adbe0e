import { summarizeBtyd } from '../btyd/fitBtyd.js';
import type { SnapshotPlan } from '../features/snapshots.js';
import type { TrainingSample } from '../features/trainingSample.js';
import type { NeuralModels } from '../learn/neuralModels.js';
import type { ChurnModelName } from '../learn/trainedModels.js';
import { calibrationTable, gainCurve, liftTopDecile, purchaseMetrics, rounded, valueDeciles, valueMetrics } from '../shared/evaluation.js';
import { auc } from '../shared/metrics.js';
import type { Backtest } from './backtest.js';
import type { Champions } from './champions.js';
import { describeChoice } from './choiceWords.js';

const value = (v: number) => rounded({ v }).v;

/** The chosen architectures, epochs and validation losses of the backtest's networks. */
function networkFigures(n: NeuralModels) {
  return {
    churn: { hidden: n.churn.hidden, epochs: n.churn.epochs, validation_loss: value(n.churn.validationLoss), candidates: n.churn.candidates, platt: n.churn.platt },
    value: { hidden: n.value.hidden, epochs: n.value.epochs, validation_loss: value(n.value.validationLoss), candidates: n.value.candidates, ...(n.value.bounds ? { bounds: n.value.bounds } : {}) },
    rows: { fit: n.window.fitRows, validation: n.window.validationRows },
  };
}

/** The churn champion's figures with its baseline, lift, calibration and gain curves. */
function churnFigures(b: Backtest, c: Champions, recencyAuc: number) {
  const champion = b.churnScores[c.churnModel]!;
  return {
    model: c.churnModel,
    ...rounded(c.churnCandidates[c.churnModel]),
    recency_baseline_auc: value(recencyAuc),
    lift_top_decile: value(liftTopDecile(champion, b.churned)),
    calibration: calibrationTable(champion, b.churned),
    calibration_by_model: Object.fromEntries(Object.entries(b.churnScores).map(([k, v]) => [k, calibrationTable(v, b.churned)])),
    gain: {
      [c.churnModel]: gainCurve(champion, b.churned),
      recency_only: gainCurve(b.recency, b.churned),
      ...(c.churnModel === 'bgnbd' ? {} : { bgnbd: gainCurve(b.bgnbd.p_no_purchase!, b.churned) }),
    },
  };
}

/** What the baselines and the probabilistic models score on the holdout. */
function baselineFigures(b: Backtest, c: Champions, recencyAuc: number) {
  const { bgnbd: bg, pareto: pn } = b;
  const historic = valueMetrics(b.historic, b.spend);
  const beaten = Object.entries(c.valueCandidates).filter(([, m]) => m.normalized_gini > historic.normalized_gini).map(([k]) => k);
  return {
    recency_only: { auc: value(recencyAuc), lift_top_decile: value(liftTopDecile(b.recency, b.churned)) },
    // The ranking a marketer would use without any model: net spend to date. Every value candidate is judged against it.
    historic_value: { ...rounded(historic), beaten_by: beaten },
    bgnbd: { purchases: rounded(purchaseMetrics(bg.expected_purchases!, bg.future_orders!)), p_alive_auc_of_expected_purchases: value(auc(bg.expected_purchases!.map((v) => -v), b.churned)) },
    pareto: { purchases: rounded(purchaseMetrics(pn.expected_purchases!, pn.future_orders!)), auc_of_expected_purchases: value(auc(pn.expected_purchases!.map((v) => -v), b.churned)) },
    [`chosen_${c.btydModel}`]: { purchases: rounded(purchaseMetrics(b.chosen.expected_purchases!, b.chosen.future_orders!)), spend: rounded(purchaseMetrics(b.chosen.expected_spend!, b.spend)) },
    gamma_gamma_clv: { bgnbd: rounded(valueMetrics(bg.clv_12m!, b.spend)), pareto: rounded(valueMetrics(pn.clv_12m!, b.spend)) },
  };
}

/** The purchase-model choice: every candidate's holdout likelihood and what its fit leaves undetermined. */
function btydChoiceFigures(c: Champions) {
  return {
    model: c.btydModel,
    reason: c.btyd.reason,
    candidates: Object.fromEntries(c.btyd.candidates.map((k) => [k.name, { holdout_log_likelihood: k.holdout_log_likelihood === null ? null : value(k.holdout_log_likelihood), sound: k.sound, degenerate: k.degenerate }])),
  };
}

/**
 * model_metrics.json's backtest figures (README, "model_metrics.json"): the
 * holdout, the windows each model learnt from, the champions' figures,
 * every candidate side by side, the baselines, the networks and the BTYD
 * fits at the holdout.
 */
export function backtestMetrics(b: Backtest, c: Champions, plan: SnapshotPlan, asOf: string, horizonDays: number, sample: TrainingSample | undefined) {
  const recencyAuc = auc(b.recency, b.churned);
  return {
    as_of: asOf,
    // Which candidate won each choice, by which rule, by how much, against which baseline: in words and figures.
    choice: describeChoice(c, recencyAuc, valueMetrics(b.historic, b.spend).normalized_gini),
    holdout: { cutoff: plan.holdoutCutoff, end: asOf, horizon_days: horizonDays, customers: b.churned.length, churn_rate: value(c.churnCandidates.rf_table.churn_rate) },
    training_sample: sample ?? null,
    windows: b.windows,
    churn: churnFigures(b, c, recencyAuc),
    value: {
      model: c.valueModel, ...rounded(c.valueCandidates[c.valueModel]), historic_value_baseline_gini: value(valueMetrics(b.historic, b.spend).normalized_gini),
      deciles_by_model: Object.fromEntries([...Object.entries(b.valueScores), ['historic_value', b.historic] as const].map(([k, v]) => [k, valueDeciles(v, b.spend)])),
    },
    btyd_model: btydChoiceFigures(c),
    flagged: c.flagged,
    candidates: {
      churn: Object.fromEntries(Object.entries(c.churnCandidates).map(([k, m]) => [k, { ...rounded(m), lift_top_decile: value(liftTopDecile(b.churnScores[k as ChurnModelName]!, b.churned)) }])),
      value: Object.fromEntries(Object.entries(c.valueCandidates).map(([k, m]) => [k, rounded(m)])),
    },
    baselines: baselineFigures(b, c, recencyAuc),
    networks: b.networks ? networkFigures(b.networks) : null,
    notes: b.notes,
    btyd_fit_at_holdout: summarizeBtyd(b.btydAtHoldout),
  };
}

export type BacktestMetrics = ReturnType<typeof backtestMetrics>;
