import type { BgNbdFit } from '../btyd/fitBtyd.js';
import type { Database } from '../db/Database.js';
import type { SnapshotPlan } from '../features/snapshots.js';
import type { TrainingSample } from '../features/trainingSample.js';
import { chosenArchitectures, disposeNetworks, trainsOnThreads, type NeuralModels } from '../learn/neuralModels.js';
import { modelVersion, type TrainedModels } from '../learn/trainedModels.js';
import type { Logger } from '../log.js';
import { untimed, type Step } from '../measure.js';
import { rounded } from '../shared/evaluation.js';
import { runBacktest, type Backtest, type BacktestOptions } from './backtest.js';
import { chooseChampions } from './champions.js';
import { backtestMetrics, modelMetrics, seasonAheadFigures, type ArchitectureSearch } from './modelMetrics.js';
import { RefitNetworksAhead, refitForScoring } from './refit.js';

export interface TrainOptions extends Omit<BacktestOptions, 'bgnbdAtHoldout'> {
  /** The customers the models learn from (every customer when the sample is not partial). */
  sample?: TrainingSample;
  /** BG/NBD fits already made at the holdout cutoff and at as-of (the features stage's). */
  btydFits?: Map<string, BgNbdFit>;
  step?: Step;
  /** Whether the networks' architectures were searched or the champion's kept, and why (model_metrics.json's networks.architecture_search). */
  architectureSearch?: ArchitectureSearch;
}

/**
 * Trains every candidate: the backtest on the latest held-out horizon
 * (runBacktest), the champions chosen on it (chooseChampions), then the
 * scoring models relearnt one horizon later (refitForScoring), versioned by
 * their content.
 */
export async function trainModels(db: Database, plan: SnapshotPlan, asOf: string, o: TrainOptions, log: Logger): Promise<TrainedModels> {
  const step = o.step ?? untimed;
  const refitOptions = {
    seed: o.seed, maxTrainingRows: o.maxTrainingRows, btydFitSource: o.btydFitSource, bgnbdAtAsOf: o.btydFits?.get(asOf),
    btydPenalty: o.btydPenalty, season: o.season, minNetworkRows: o.minNetworkRows, horizonDays: o.horizonDays, threads: o.threads,
  };
  // On threads, the refit's networks start once the backtest's are trained, while the backtest ends and the
  // champions are chosen: kept if a network is a champion, stopped if not.
  const refitAhead = o.neural && trainsOnThreads(o.threads ?? 1) ? new RefitNetworksAhead(db, plan, asOf, refitOptions, step, log) : undefined;
  let backtest: Backtest | undefined;
  try {
    const chosen = await backtestAndChoose(db, plan, asOf, o, step, log, refitAhead && ((networks) => refitAhead.start(networks)));
    backtest = chosen.backtest;
    const { churnModel, valueModel, btydModel } = chosen.champions;
    const withNetworks = churnModel === 'neural' || valueModel === 'neural';
    // (A network is a champion only where the backtest trained the networks, which started those ahead.)
    const earlyTraining = withNetworks ? refitAhead?.take() : undefined;
    if (!earlyTraining) await refitAhead?.stop();
    // The networks started ahead, else trained now from the backtest's (their architectures, their weights).
    const networks = earlyTraining ? { trained: earlyTraining } : backtest.networks && { architectures: chosenArchitectures(backtest.networks), start: backtest.networks };
    const refit = await refitForScoring(db, plan, asOf, { ...refitOptions, networks: withNetworks ? networks ?? {} : undefined }, step, log);
    const { data, ...fitted } = refit;
    const models = { churnModel, valueModel, btydModel, ...fitted };
    const version = modelVersion(models);
    const ahead = seasonAheadFigures(refit.btyd.season, asOf, o.horizonDays);
    if (ahead) log.warn({ unseen_months: ahead.unseen_months, expected_error: ahead.expected_error }, ahead.words);
    for (const w of chosen.metrics.aggregate.worse_than_baselines) log.warn(w);
    return {
      version, ...models, dataFingerprint: data.fingerprint, profile: data.profile,
      metrics: modelMetrics(version, chosen.metrics, refit.btyd, ahead),
    };
  } catch (err) {
    // Networks started ahead and not taken by the refit: their training stopped, not left running.
    await refitAhead?.stop();
    throw err;
  } finally {
    if (backtest?.networks) disposeNetworks(backtest.networks);
  }
}

/** The backtest (told `onNetworks` as soon as its networks are trained), the champions chosen on it and its figures, said in the log. */
async function backtestAndChoose(db: Database, plan: SnapshotPlan, asOf: string, o: TrainOptions, step: Step, log: Logger, onNetworks?: (networks: NeuralModels) => void) {
  const backtest = await runBacktest(db, plan, {
    horizonDays: o.horizonDays, annualDiscountRate: o.annualDiscountRate, seed: o.seed, neural: o.neural,
    maxTrainingRows: o.maxTrainingRows, minNetworkRows: o.minNetworkRows, btydFitSource: o.btydFitSource, holdoutSource: o.holdoutSource, bgnbdAtHoldout: o.btydFits?.get(plan.holdoutCutoff),
    btydPenalty: o.btydPenalty, season: o.season, architectures: o.architectures, threads: o.threads, ...(onNetworks ? { onNetworks } : {}),
  }, step, log);
  const champions = chooseChampions(backtest);
  const metrics = backtestMetrics(backtest, champions, plan, asOf, o.horizonDays, o.sample, o.architectureSearch);
  logBacktest(champions, metrics.churn.recency_baseline_auc, [...backtest.notes, ...champions.flagged.map((f) => `${f.model} left out of the ${f.choice} choice: ${f.why}`)], log);
  for (const said of [metrics.choice.churn.text, metrics.choice.value.text, `the purchase model: ${metrics.choice.purchase}`]) log.info(said);
  for (const w of [metrics.choice.churn.warning, metrics.choice.value.warning]) if (w) log.warn(w);
  return { backtest, champions, metrics };
}

function logBacktest(c: ReturnType<typeof chooseChampions>, recencyAuc: number | null, notes: string[], log: Logger): void {
  log.info({
    churn_model: c.churnModel, value_model: c.valueModel,
    churn_auc: Object.fromEntries(Object.entries(c.churnCandidates).map(([k, m]) => [k, rounded({ v: m.auc }).v])),
    recency_auc: recencyAuc,
    btyd_model: c.btydModel, btyd_reason: c.btyd.reason,
    value_gini: Object.fromEntries(Object.entries(c.valueCandidates).map(([k, m]) => [k, rounded({ v: m.normalized_gini }).v])),
  }, 'backtest on the latest held-out horizon');
  if (recencyAuc !== null && c.churnCandidates[c.churnModel].auc <= recencyAuc) {
    log.warn({ auc: c.churnCandidates[c.churnModel].auc, recency_auc: recencyAuc }, 'the churn champion is not above recency alone on the holdout');
  }
  for (const note of notes) log.warn(note);
}
