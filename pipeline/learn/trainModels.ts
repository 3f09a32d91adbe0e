import { createHash } from 'node:crypto';
import { fitBtydModels, scoreBtyd, type BgNbdFit, type BtydModels, type PurchaseModelName } from '../btyd/btydStage.js';
import type { FitReport } from '../btyd/fitReport.js';
import type { Database } from '../db/Database.js';
import { sampleUse, type SnapshotPlan, type TrainingSample } from '../features/buildFeatures.js';
import type { Logger } from '../log.js';
import { calibrationTable, churnMetrics, gainCurve, holdoutColumns, liftTopDecile, purchaseMetrics, rounded, valueMetrics } from './backtest.js';
import { auc } from './metrics.js';
import { scoreNeuralInOrder, trainNeuralModels, withBtydFeatures, type NeuralModels } from './neuralModels.js';
import { applyRfTable, trainRfTable, type RfCell } from './rfTableModel.js';
import { addDays } from '../db/Database.js';
import { profileFeatures, type FeatureProfile } from '../registry/drift.js';
import { untimed, type Step } from '../measure.js';

export type ChurnModelName = 'rf_table' | 'bgnbd' | 'neural';
export type ValueModelName = PurchaseModelName | 'neural';

export interface TrainOptions {
  horizonDays: number;
  annualDiscountRate: number;
  seed: number;
  /** Train the TensorFlow.js models (false: the probabilistic models and the table only). */
  neural: boolean;
  /** The networks fit on at most this many snapshot rows (a sample of customers beyond). */
  maxTrainingRows: number;
  /** The customers the models learn from (every customer when the sample is not partial). */
  sample?: TrainingSample;
  /** BG/NBD fits already made at the holdout cutoff and at as-of (buildBtydFeatures'). */
  btydFits?: Map<string, BgNbdFit>;
  /** Times the main steps (the run's stage record). */
  step?: Step;
}

export interface TrainedModels {
  version: string;
  /** The churn champion and the value champion, each chosen on the holdout. */
  churnModel: ChurnModelName;
  valueModel: ValueModelName;
  /** The BTYD model behind p_alive, expected purchases and the CLV's time profile. */
  btydModel: PurchaseModelName;
  cells: RfCell[];
  btyd: BtydModels;
  neural?: NeuralModels;
  metrics: Record<string, unknown> & { holdout: { cutoff: string } };
  /** Fingerprint of the data the models learnt from. */
  dataFingerprint: string;
  /** Deciles of the main features at as-of, to measure drift against later. */
  profile: FeatureProfile;
}

/**
 * The train stage. Every candidate is first learnt from data before the
 * holdout and evaluated on it (the backtest), then relearnt on everything
 * up to as-of. Windows, with T = as-of and H = the horizon: the holdout is
 * the cutoff T - H with labels over (T - H, T]; the probabilistic models fit
 * on orders up to T - H; the table learns from the cutoffs up to T - 2H;
 * the networks fit on the cutoffs up to T - 3H and stop early and calibrate
 * on T - 2H (a validation split later in time than their training data).
 * For scoring, everything moves one horizon later.
 *
 * The churn champion is the candidate with the lowest holdout log loss; the
 * value champion the one with the highest holdout normalized Gini of spend.
 */
export async function trainModels(db: Database, plan: SnapshotPlan, asOf: string, o: TrainOptions, log: Logger): Promise<TrainedModels> {
  const horizon = o.horizonDays;
  const step = o.step ?? untimed;
  const notes: string[] = [];
  const validationCutoff = plan.trainCutoffs[0]!;
  const backtestFitCutoffs = plan.trainCutoffs.filter((c) => c <= addDays(validationCutoff, -horizon));

  // Backtest: the table, the probabilistic models and the networks, learnt before the holdout.
  await step('backtest: table', async () => {
    const table = await trainRfTable(db, ['train']);
    await applyRfTable(db, table.cells, `(SELECT * FROM training_snapshots WHERE split = 'holdout')`, 'holdout_churn_scores');
  });
  const fitOn = o.sample ? sampleUse(o.sample).fitOn : 'all';
  const btydAtHoldout = await step('backtest: BTYD fits', () => fitBtydModels(db, plan.holdoutCutoff, { customers: fitOn, bgnbd: o.btydFits?.get(plan.holdoutCutoff) }));
  const btydOptions = { horizonDays: horizon, annualDiscountRate: o.annualDiscountRate, intervalDraws: 0, seed: o.seed };
  await step('backtest: BTYD scores', async () => {
    await scoreBtyd(db, btydAtHoldout, plan.holdoutCutoff, 'holdout_bgnbd_scores', { ...btydOptions, model: 'bgnbd' });
    await scoreBtyd(db, btydAtHoldout, plan.holdoutCutoff, 'holdout_pareto_scores', { ...btydOptions, model: 'pareto' });
  });
  const rf = await holdoutColumns(db, 'holdout_churn_scores', ['churn_probability', 'predicted_value']);
  const bg = await holdoutColumns(db, 'holdout_bgnbd_scores', ['p_no_purchase', 'expected_purchases', 'expected_spend', 'clv_12m']);
  const pn = await holdoutColumns(db, 'holdout_pareto_scores', ['expected_purchases', 'expected_spend', 'clv_12m']);
  const churned = rf.churned!;
  const spend = rf.future_spend!;
  // Every candidate's holdout columns are in customer order over the same customers; say so loudly if not.
  for (const [name, cols] of [['bgnbd', bg], ['pareto', pn]] as const) {
    if (cols.churned!.length !== churned.length) throw new Error(`holdout scores of ${name} cover ${cols.churned!.length} customers, the snapshot ${churned.length}`);
  }

  const churnScores: Partial<Record<ChurnModelName, Float64Array>> = { rf_table: rf.churn_probability!, bgnbd: bg.p_no_purchase! };
  const valueScores: Partial<Record<ValueModelName, Float64Array>> = { bgnbd: bg.expected_spend!, pareto: pn.expected_spend! };
  let neuralBacktest: NeuralModels | undefined;
  if (o.neural && backtestFitCutoffs.length > 0) {
    try {
      neuralBacktest = await step('backtest: networks', () => trainNeuralModels(db, backtestFitCutoffs, validationCutoff, o.seed, log, undefined, o.maxTrainingRows));
      const scored = await step('backtest: networks on the holdout', () => scoreNeuralInOrder(db, neuralBacktest!, withBtydFeatures('training_snapshots'), `split = 'holdout'`));
      if (scored.n !== churned.length) throw new Error(`the networks' holdout has ${scored.n} customers, the snapshot ${churned.length}`);
      churnScores.neural = scored.churn;
      valueScores.neural = scored.value;
    } catch (err) {
      notes.push(`the networks were not trained for the backtest: ${(err as Error).message}`);
    }
  } else if (o.neural) {
    notes.push(`the history is too short for the networks' backtest: they need cutoffs at least ${horizon} days before ${validationCutoff}; give a longer history or more snapshots`);
  }

  const churnCandidates = Object.fromEntries(Object.entries(churnScores).map(([k, v]) => [k, churnMetrics(v, churned)])) as Record<ChurnModelName, ReturnType<typeof churnMetrics>>;
  const churnModel = (Object.keys(churnCandidates) as ChurnModelName[]).reduce((best, k) => (churnCandidates[k].log_loss < churnCandidates[best].log_loss ? k : best));
  const valueCandidates = Object.fromEntries(Object.entries(valueScores).map(([k, v]) => [k, valueMetrics(v, spend)])) as Record<ValueModelName, ReturnType<typeof valueMetrics>>;
  const valueModel = (Object.keys(valueCandidates) as ValueModelName[]).reduce((best, k) => (valueCandidates[k].normalized_gini > valueCandidates[best].normalized_gini ? k : best));
  const btydModel: PurchaseModelName = valueCandidates.pareto.normalized_gini > valueCandidates.bgnbd.normalized_gini ? 'pareto' : 'bgnbd';
  const recencyAuc = auc(rf.recency_days!, churned);
  const champion = churnScores[churnModel]!;

  const metrics = {
    as_of: asOf,
    holdout: { cutoff: plan.holdoutCutoff, end: asOf, horizon_days: horizon, customers: churned.length, churn_rate: rounded({ v: churnCandidates.rf_table.churn_rate }).v },
    training_sample: o.sample ?? null,
    windows: {
      btyd_calibration_end: plan.holdoutCutoff,
      table_cutoffs: plan.trainCutoffs,
      networks_fit_cutoffs: backtestFitCutoffs,
      networks_validation_cutoff: validationCutoff,
    },
    churn: {
      model: churnModel,
      ...rounded(churnCandidates[churnModel]),
      recency_baseline_auc: rounded({ v: recencyAuc }).v,
      lift_top_decile: rounded({ v: liftTopDecile(champion, churned) }).v,
      calibration: calibrationTable(champion, churned),
      calibration_by_model: Object.fromEntries(Object.entries(churnScores).map(([k, v]) => [k, calibrationTable(v, churned)])),
      gain: {
        [churnModel]: gainCurve(champion, churned),
        recency_only: gainCurve(rf.recency_days!, churned),
        ...(churnModel === 'bgnbd' ? {} : { bgnbd: gainCurve(bg.p_no_purchase!, churned) }),
      },
    },
    value: { model: valueModel, ...rounded(valueCandidates[valueModel]) },
    candidates: {
      churn: Object.fromEntries(Object.entries(churnCandidates).map(([k, m]) => [k, { ...rounded(m), lift_top_decile: rounded({ v: liftTopDecile(churnScores[k as ChurnModelName]!, churned) }).v }])),
      value: Object.fromEntries(Object.entries(valueCandidates).map(([k, m]) => [k, rounded(m)])),
    },
    baselines: {
      recency_only: { auc: rounded({ v: recencyAuc }).v, lift_top_decile: rounded({ v: liftTopDecile(rf.recency_days!, churned) }).v },
      bgnbd: { purchases: rounded(purchaseMetrics(bg.expected_purchases!, bg.future_orders!)), p_alive_auc_of_expected_purchases: rounded({ v: auc(bg.expected_purchases!.map((v) => -v), churned) }).v },
      pareto: { purchases: rounded(purchaseMetrics(pn.expected_purchases!, pn.future_orders!)), auc_of_expected_purchases: rounded({ v: auc(pn.expected_purchases!.map((v) => -v), churned) }).v },
      gamma_gamma_clv: { bgnbd: rounded(valueMetrics(bg.clv_12m!, spend)), pareto: rounded(valueMetrics(pn.clv_12m!, spend)) },
    },
    networks: neuralBacktest
      ? {
          churn: { hidden: neuralBacktest.churn.hidden, epochs: neuralBacktest.churn.epochs, validation_loss: rounded({ v: neuralBacktest.churn.validationLoss }).v, candidates: neuralBacktest.churn.candidates, platt: neuralBacktest.churn.platt },
          value: { hidden: neuralBacktest.value.hidden, epochs: neuralBacktest.value.epochs, validation_loss: rounded({ v: neuralBacktest.value.validationLoss }).v, candidates: neuralBacktest.value.candidates },
          rows: { fit: neuralBacktest.window.fitRows, validation: neuralBacktest.window.validationRows },
        }
      : null,
    notes,
    btyd_fit_at_holdout: summarizeBtyd(btydAtHoldout),
  };
  const architectures = neuralBacktest && { churn: [neuralBacktest.churn.hidden], value: [neuralBacktest.value.hidden] };
  neuralBacktest?.churn.model.dispose();
  neuralBacktest?.value.model.dispose();
  log.info({
    churn_model: churnModel, value_model: valueModel,
    churn_auc: Object.fromEntries(Object.entries(churnCandidates).map(([k, m]) => [k, rounded({ v: m.auc }).v])),
    recency_auc: metrics.churn.recency_baseline_auc,
    value_gini: Object.fromEntries(Object.entries(valueCandidates).map(([k, m]) => [k, rounded({ v: m.normalized_gini }).v])),
  }, 'backtest on the latest held-out horizon');
  if (churnCandidates[churnModel].auc <= recencyAuc) log.warn({ auc: churnCandidates[churnModel].auc, recency_auc: recencyAuc }, 'the churn champion is not above recency alone on the holdout');
  for (const note of notes) log.warn(note);

  // Scoring models: everything one horizon later.
  const finalTable = await trainRfTable(db, ['train', 'holdout']);
  const btyd = await step('BTYD fits', () => fitBtydModels(db, asOf, { customers: fitOn, bgnbd: o.btydFits?.get(asOf) }));
  for (const [name, fit] of [['bgnbd', btyd.bgnbd], ['pareto', btyd.pareto], ['gamma_gamma', btyd.gamma_gamma]] as const) {
    if (fit.report.warnings.length) log.warn({ model: name, warnings: fit.report.warnings }, 'BTYD fit warnings');
  }
  let neural: NeuralModels | undefined;
  if (churnModel === 'neural' || valueModel === 'neural') {
    neural = await step('networks', () => trainNeuralModels(db, plan.trainCutoffs, plan.holdoutCutoff, o.seed, log, architectures, o.maxTrainingRows));
  }
  const dataFingerprint = await fingerprint(db, asOf);
  const profile = await profileFeatures(db);
  const weights = neural ? [...neural.churn.model.getWeights(), ...neural.value.model.getWeights()].map((w) => Array.from(w.dataSync())) : [];
  const version = 'fidelio-' + createHash('sha256')
    .update(JSON.stringify({ churnModel, valueModel, btydModel, rf: finalTable.cells, btyd: summarizeBtyd(btyd), neural: neural && { weights, platt: neural.churn.platt, pre: neural.preprocessor } }))
    .digest('hex').slice(0, 12);
  return {
    version, churnModel, valueModel, btydModel, cells: finalTable.cells, btyd, neural, dataFingerprint, profile,
    metrics: { model_version: version, ...metrics, btyd: summarizeBtyd(btyd) },
  };
}

/** A digest of the orders the models learnt from (count, amounts, dates), recorded with each model. */
async function fingerprint(db: Database, asOf: string): Promise<string> {
  const row = await db.one(`SELECT count(*) AS n, CAST(sum(amount) AS VARCHAR) AS total, CAST(min(order_date) AS VARCHAR) AS first,
      CAST(max(order_date) AS VARCHAR) AS last, count(DISTINCT customer_id) AS customers
    FROM orders WHERE order_date <= CAST($1 AS DATE)`, [asOf]);
  return createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
}

/** The fits as published: parameters, their standard errors, log-likelihood and convergence. */
export function summarizeBtyd(m: BtydModels) {
  const describe = <P extends object>(fit: P & { report: FitReport }, names: (keyof P & string)[]) => {
    const { report, ...params } = fit;
    return {
      ...params,
      standard_errors: report.standard_errors ? Object.fromEntries(names.map((k, i) => [k, Number(report.standard_errors![i]!.toPrecision(6))])) : null,
      log_likelihood: report.log_likelihood,
      converged: report.converged,
      iterations: report.iterations,
      gradient_norm: report.gradient_norm,
      warnings: report.warnings,
    };
  };
  return {
    calibration_end: m.calibration_end,
    time_unit_days: m.unit_days,
    customers: m.customers,
    bgnbd: describe(m.bgnbd, ['r', 'alpha', 'a', 'b']),
    pareto: describe(m.pareto, ['r', 'alpha', 's', 'beta']),
    gamma_gamma: describe(m.gamma_gamma, ['p', 'q', 'gamma']),
  };
}
