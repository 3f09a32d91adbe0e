import type { BgNbdFit, BtydModels, PurchaseModelName } from '../btyd/fitBtyd.js';
import { holdoutLogLikelihoods } from '../btyd/holdoutLikelihood.js';
import { hasNoPurchaseProbability } from '../btyd/purchaseModel.js';
import { addDays, type Database } from '../db/Database.js';
import { readSummary } from '../features/btydSummary.js';
import { networkWindows, type SnapshotPlan } from '../features/snapshots.js';
import { disposeNetworks, type Architectures, type NeuralModels } from '../learn/neuralModels.js';
import type { ChurnModelName, ValueModelName } from '../learn/trainedModels.js';
import type { Logger } from '../log.js';
import type { Step } from '../measure.js';
import { aggregateBaselines, type AggregateBaselines } from './aggregateBaselines.js';
import { chooseBtyd, type BtydChoice } from './btydChoice.js';
import { createBtydSummary, scoreBtyd } from './btydScoreTable.js';
import { SNAPSHOTS_WITH_BTYD } from './featureColumns.js';
import { fitBtydModels } from './fitBtydModels.js';
import { holdoutColumns } from './holdout.js';
import { besideNetworks, scoreNeuralInOrder, trainNeuralModels } from './neuralTraining.js';
import { applyRfTable, trainRfTable } from './rfTable.js';

export interface BacktestOptions {
  horizonDays: number;
  annualDiscountRate: number;
  seed: number;
  /** Train the TensorFlow.js models (false: the probabilistic models and the table only). */
  neural: boolean;
  /** The networks fit on at most this many snapshot rows (a sample of customers beyond). */
  maxTrainingRows: number;
  /** The table of orders the BTYD models are fitted on (orders, or the fit subset's copy). */
  btydFitSource: string;
  /** The table of the holdout's customers' orders (orders, or the training sample's copy when it is partial). */
  holdoutSource?: string;
  /** A BG/NBD fit already made at the holdout cutoff. */
  bgnbdAtHoldout?: BgNbdFit;
  /** The strength of the penalized BTYD candidates' penalty (0: none) and whether the projections follow the season. */
  btydPenalty: number;
  season: boolean;
  /** The networks train only on at least this many snapshot rows. */
  minNetworkRows: number;
  /** The networks' architectures to try (the champion's, kept, with its epoch counts); by default every candidate is searched. */
  architectures?: Architectures;
  /** Networks trained at once, each on a thread of its own (1 by default). */
  threads?: number;
  /**
   * Told the backtest's networks as soon as they are trained, while the probabilistic models' backtest may still
   * run (the refit's networks start from them then: trainModels). They stay the backtest's (Backtest.networks).
   */
  onNetworks?: (networks: NeuralModels) => void;
}

/** Every candidate's holdout scores, in customer order over the same customers, with the labels. */
export interface Backtest {
  churned: Float64Array;
  spend: Float64Array;
  recency: Float64Array;
  /** Each customer's net spend to the holdout cutoff: the historic-value baseline. */
  historic: Float64Array;
  churnScores: Partial<Record<ChurnModelName, Float64Array>>;
  valueScores: Partial<Record<ValueModelName, Float64Array>>;
  /** BG/NBD's and Pareto/NBD's holdout columns (expected purchases, CLV, the actual orders), and the chosen purchase model's. */
  bgnbd: Record<string, Float64Array>;
  pareto: Record<string, Float64Array>;
  chosen: Record<string, Float64Array>;
  btydAtHoldout: BtydModels;
  /** The purchase model chosen on the holdout likelihood, with every candidate's figures. */
  btydChoice: BtydChoice;
  /** The networks learnt for the backtest (disposed by the caller), when trained. */
  networks?: NeuralModels;
  windows: { btyd_calibration_end: string; table_cutoffs: string[]; networks_fit_cutoffs: string[]; networks_validation_cutoff: string; networks_validation_same_season: boolean };
  /** The holdout's actual aggregate spend and churn, and the naive aggregate forecasts of them. */
  aggregate: AggregateBaselines;
  notes: string[];
}

/**
 * The backtest: every candidate learnt from data before the holdout and
 * scored on it. Windows, with T = as-of and H = the horizon: the holdout is
 * the cutoff T - H with labels over (T - H, T]; the probabilistic models fit
 * on orders up to T - H; the table learns from the cutoffs up to T - 2H;
 * the networks fit on the cutoffs up to T - 3H and stop early and calibrate
 * on T - 2H (a validation split later in time than their training data),
 * or, when the plan has a cutoff a year before the holdout's, stop early and
 * calibrate on it, the same season (networkWindows).
 */
export async function runBacktest(db: Database, plan: SnapshotPlan, o: BacktestOptions, step: Step, log: Logger): Promise<Backtest> {
  const notes: string[] = [];
  const { fit: networksFitCutoffs, validation: validationCutoff, sameSeason } = networkWindows(plan.trainCutoffs, plan.holdoutCutoff, plan.trainCutoffs[0]!, o.horizonDays);

  await step('backtest: table', async () => {
    const table = await trainRfTable(db, ['train']);
    await applyRfTable(db, table.cells, `(SELECT * FROM training_snapshots WHERE split = 'holdout')`, 'holdout_churn_scores');
  });
  let train: ((oneTrained: () => void) => Promise<NeuralModels>) | undefined;
  if (o.neural && networksFitCutoffs.length === 0) {
    notes.push(`the history is too short for the networks' backtest: they need cutoffs at least ${o.horizonDays} days before ${validationCutoff}; give a longer history or more snapshots`);
  } else if (o.neural) {
    train = async (oneTrained) => {
      const networks = await step('backtest: networks', () =>
        trainNeuralModels(db, networksFitCutoffs, validationCutoff, o.seed, log, o.architectures, o.maxTrainingRows, o.minNetworkRows, { threads: o.threads, oneTrained }));
      o.onNetworks?.(networks);
      return networks;
    };
  }
  // The probabilistic models' backtest on the core the networks leave free once one of them is trained.
  const { result: btyd, networks } = await besideNetworks(train, () => backtestBtyd(db, plan, o, step, log), disposeNetworks);
  const result: Backtest = {
    ...btyd, notes,
    windows: { btyd_calibration_end: plan.holdoutCutoff, table_cutoffs: plan.trainCutoffs, networks_fit_cutoffs: networksFitCutoffs, networks_validation_cutoff: validationCutoff, networks_validation_same_season: sameSeason },
  };
  if (!networks) return result;
  try {
    if (networks.status === 'rejected') throw networks.reason;
    result.networks = networks.value;
    const scored = await step('backtest: networks on the holdout', () => scoreNeuralInOrder(db, networks.value, SNAPSHOTS_WITH_BTYD, `split = 'holdout'`));
    if (scored.n !== result.churned.length) throw new Error(`the networks' holdout has ${scored.n} customers, the snapshot ${result.churned.length}`);
    result.churnScores.neural = scored.churn;
    result.valueScores.neural = scored.value;
  } catch (err) {
    notes.push(`the networks were not trained for the backtest: ${(err as Error).message}`);
  }
  return result;
}

/**
 * The backtest of the probabilistic models, the table and the aggregate baselines: the BTYD candidates fitted on
 * the orders up to the holdout cutoff, the purchase model chosen on the holdout likelihood, their holdout scores
 * and the table's, in customer order over the holdout's customers (the windows and the networks are runBacktest's).
 */
async function backtestBtyd(db: Database, plan: SnapshotPlan, o: BacktestOptions, step: Step, log: Logger): Promise<Omit<Backtest, 'windows' | 'notes' | 'networks'>> {
  const holdoutEnd = addDays(plan.holdoutCutoff, o.horizonDays);
  const btydAtHoldout = await step('backtest: BTYD fits', () => fitBtydModels(db, o.btydFitSource, plan.holdoutCutoff, { bgnbd: o.bgnbdAtHoldout, penalty: o.btydPenalty, season: o.season }, { threads: o.threads, log }));
  const btydChoice = chooseBtyd(btydAtHoldout, await step('backtest: BTYD holdout likelihood', async () => {
    // The histories of the customers known at the holdout cutoff, then everyone's to the holdout's end.
    const calibration = await readSummary(db, o.btydFitSource, plan.holdoutCutoff, btydAtHoldout.unit_days);
    return holdoutLogLikelihoods(btydAtHoldout, calibration, await readSummary(db, o.btydFitSource, holdoutEnd, btydAtHoldout.unit_days));
  }));
  const chosenName: PurchaseModelName = btydChoice.model;
  const btydOptions = { horizonDays: o.horizonDays, annualDiscountRate: o.annualDiscountRate, intervalDraws: 0, seed: o.seed };
  const extra = chosenName !== 'bgnbd' && chosenName !== 'pareto';
  await step('backtest: BTYD scores', async () => {
    // One summary of the holdout's histories for every model scored on it.
    const summary = 'holdout_btyd_summary';
    await createBtydSummary(db, summary, plan.holdoutCutoff, btydAtHoldout.unit_days, undefined, o.holdoutSource);
    try {
      await scoreBtyd(db, btydAtHoldout, plan.holdoutCutoff, 'holdout_bgnbd_scores', { ...btydOptions, model: 'bgnbd', summary });
      await scoreBtyd(db, btydAtHoldout, plan.holdoutCutoff, 'holdout_pareto_scores', { ...btydOptions, model: 'pareto', summary });
      // The chosen model's holdout scores (a copy when it is one of the two above).
      if (extra) await scoreBtyd(db, btydAtHoldout, plan.holdoutCutoff, 'holdout_btyd_scores', { ...btydOptions, model: chosenName, summary });
      else await db.run(`CREATE OR REPLACE TABLE holdout_btyd_scores AS SELECT * FROM holdout_${chosenName}_scores`);
    } finally {
      await db.run(`DROP TABLE IF EXISTS ${summary}`);
    }
  });
  const rf = await holdoutColumns(db, 'holdout_churn_scores', ['churn_probability', 'predicted_value']);
  const bg = await holdoutColumns(db, 'holdout_bgnbd_scores', ['p_no_purchase', 'expected_purchases', 'expected_spend', 'clv_12m']);
  const pn = await holdoutColumns(db, 'holdout_pareto_scores', ['expected_purchases', 'expected_spend', 'clv_12m']);
  const chosen = await holdoutColumns(db, 'holdout_btyd_scores', ['p_no_purchase', 'expected_purchases', 'expected_spend', 'clv_12m']);
  const churned = rf.churned!;
  // Every candidate's holdout columns are in customer order over the same customers; say so loudly if not.
  for (const [name, cols] of [['bgnbd', bg], ['pareto', pn], [chosenName, chosen]] as const) {
    if (cols.churned!.length !== churned.length) throw new Error(`holdout scores of ${name} cover ${cols.churned!.length} customers, the snapshot ${churned.length}`);
  }
  const aggregate = await step('backtest: aggregate baselines', () => aggregateBaselines(db, plan.holdoutCutoff, o.horizonDays));
  return {
    aggregate, churned, spend: rf.future_spend!, recency: rf.recency_days!, historic: rf.net_spend!,
    churnScores: { rf_table: rf.churn_probability!, bgnbd: bg.p_no_purchase!, ...(extra && hasNoPurchaseProbability(chosenName) ? { [chosenName]: chosen.p_no_purchase! } : {}) },
    valueScores: { bgnbd: bg.expected_spend!, pareto: pn.expected_spend!, ...(extra ? { [chosenName]: chosen.expected_spend! } : {}) },
    bgnbd: bg, pareto: pn, chosen, btydAtHoldout, btydChoice,
  };
}
