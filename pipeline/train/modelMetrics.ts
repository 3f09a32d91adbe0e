import { summarizeBtyd, type BtydModels } from '../btyd/fitBtyd.js';
import { unseenSeason, type SeasonProfile } from '../btyd/season.js';
import { addDays } from '../db/Database.js';
import type { SnapshotPlan } from '../features/snapshots.js';
import type { TrainingSample } from '../features/trainingSample.js';
import type { NeuralModels } from '../learn/neuralModels.js';
import type { ChurnModelName } from '../learn/trainedModels.js';
import { calibrationTable, gainCurve, liftTopDecile, purchaseMetrics, rounded, valueDeciles, valueMetrics } from '../shared/evaluation.js';
import { auc } from '../shared/metrics.js';
import type { ModelMetrics } from '../shared/modelMetrics.js';
import { aggregateLevels } from './aggregateBaselines.js';
import type { Backtest } from './backtest.js';
import type { Champions } from './champions.js';
import { describeChoice } from './choiceWords.js';

const value = (v: number) => rounded({ v }).v;

/** Whether the networks' architectures were searched on this retrain or the champion's kept, and why. */
export interface ArchitectureSearch {
  searched: boolean;
  reason: string;
}

/** The chosen architectures, epochs and validation losses of the backtest's networks. */
function networkFigures(n: NeuralModels, search?: ArchitectureSearch) {
  return {
    ...(search ? { architecture_search: search } : {}),
    churn: { hidden: n.churn.hidden, epochs: n.churn.epochs, ...(n.churn.bestEpochs ? { best_epochs: n.churn.bestEpochs } : {}), validation_loss: value(n.churn.validationLoss), candidates: n.churn.candidates, platt: n.churn.platt },
    value: { hidden: n.value.hidden, epochs: n.value.epochs, ...(n.value.bestEpochs ? { best_epochs: n.value.bestEpochs } : {}), validation_loss: value(n.value.validationLoss), candidates: n.value.candidates, ...(n.value.bounds ? { bounds: n.value.bounds } : {}) },
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
 * The aggregate level on the holdout (docs/models.md, "The aggregate level"): what
 * the holdout's customers spent and the share who did not buy, the naive
 * baselines, every value and churn candidate's total, and, in words, the
 * champions further off than a baseline.
 */
function aggregateFigures(b: Backtest, c: Champions, horizonDays: number) {
  const a = b.aggregate;
  const levels = aggregateLevels(a, b.valueScores as Record<string, Float64Array>, b.churnScores as Record<string, Float64Array>, { value: c.valueModel, churn: c.churnModel }, horizonDays);
  const r = <T extends object>(o: T | null) => (o === null ? null : rounded(o));
  return {
    customers: a.customers, actual_spend: value(a.actual_spend), observed_churn: value(a.observed_churn),
    baselines: { repeats: r(a.repeats), last_year_trend: r(a.last_year_trend), ...(a.last_year_trend_missing ? { last_year_trend_missing: a.last_year_trend_missing } : {}) },
    value: Object.fromEntries(Object.entries(levels.value).map(([k, v]) => [k, r(v)])),
    churn: Object.fromEntries(Object.entries(levels.churn).map(([k, v]) => [k, r(v)])),
    worse_than_baselines: levels.worse_than_baselines,
  };
}

/**
 * model_metrics.json's backtest figures (docs/scoring.md, "model_metrics.json"): the
 * holdout, the windows each model learnt from, the champions' figures,
 * every candidate side by side, the baselines, the networks and the BTYD
 * fits at the holdout.
 */
export function backtestMetrics(b: Backtest, c: Champions, plan: SnapshotPlan, asOf: string, horizonDays: number, sample: TrainingSample | undefined, search?: ArchitectureSearch) {
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
    aggregate: aggregateFigures(b, c, horizonDays),
    networks: b.networks ? networkFigures(b.networks, search) : null,
    notes: b.notes,
    btyd_fit_at_holdout: summarizeBtyd(b.btydAtHoldout),
  };
}

export type BacktestMetrics = ReturnType<typeof backtestMetrics>;

/**
 * model_metrics.json whole: the backtest's figures with the version of the
 * models that score, their BTYD fits and the season ahead. Its type is the
 * readers' (shared/modelMetrics.ts): a key they rely on renamed here fails
 * the type check.
 */
export function modelMetrics(version: string, backtest: BacktestMetrics, scoring: BtydModels, seasonAhead: ReturnType<typeof seasonAheadFigures>): ModelMetrics {
  return { model_version: version, ...backtest, btyd: summarizeBtyd(scoring), season_ahead: seasonAhead };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const QUARTER_NAMES = ['first', 'second', 'third', 'fourth'];
const list = (v: string[]) => (v.length < 2 ? v.join('') : `${v.slice(0, -1).join(', ')} and ${v.at(-1)}`);
const signed = (v: number) => `${v >= 0 ? '+' : '-'}${Math.abs(100 * v).toFixed(0)}%`;

/**
 * The season of the horizon after as-of when a short history never showed
 * some of its months (unseenSeason): which months, where their index comes
 * from, and the forecast's expected error on that account, in words (the
 * report shows them). Null when the profile is learnt from a year or more,
 * or every month of the horizon was seen.
 */
export function seasonAheadFigures(profile: SeasonProfile | null | undefined, asOf: string, horizonDays: number) {
  const u = unseenSeason(profile, asOf, horizonDays);
  if (!u || !profile?.short) return null;
  const from = addDays(asOf, 1);
  const to = addDays(asOf, horizonDays);
  const quarters = [...new Set(u.months.map((m) => Math.floor((m - 1) / 3)))].map((q) => {
    const f = profile.short!.quarters[q]!;
    return f.months_seen === 0
      ? `the ${QUARTER_NAMES[q]} quarter: no month of it seen, no lift`
      : `the ${QUARTER_NAMES[q]} quarter: ${f.months_seen} month${f.months_seen > 1 ? 's' : ''} of it seen, ${f.raw!.toFixed(2)} against the months seen, kept at ${f.lift.toFixed(2)} after shrinkage`;
  });
  const months = u.months.map((m) => MONTH_NAMES[m - 1]!);
  const words = `The ${horizonDays} days after as-of (${from} to ${to}) reach ${list(months)}, which this history (${profile.short.seen.length} whole months, ${profile.from.slice(0, 7)} to ${profile.to.slice(0, 7)}) never showed: `
    + `their index is their quarter's lift learnt from the months of it seen (${quarters.join('; ')}), and the forecast of spend over this horizon may be off by ${signed(u.error_low)} to ${signed(u.error_high)} on that account alone (90% range)`;
  return {
    from, to, unseen_months: u.months, share_of_days: Number(u.share_of_days.toFixed(4)),
    expected_error: { low: Number(u.error_low.toFixed(4)), high: Number(u.error_high.toFixed(4)) }, words,
  };
}
