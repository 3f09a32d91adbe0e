import type { BgNbdFit } from '../btyd/fitBtyd.js';
import type { Database } from '../db/Database.js';
import { buildBtydFeatures } from '../features/btydFeatures.js';
import { buildSnapshots, type SnapshotPlan } from '../features/snapshots.js';
import { sampleUse, type SampleTables, type TrainingSample } from '../features/trainingSample.js';
import type { Logger } from '../log.js';
import { untimed, type Step } from '../measure.js';

/**
 * What the models learn from, built only when a challenger trains: the
 * labelled snapshots at the plan's training cutoffs and the holdout cutoff
 * (training_snapshots: the training sample's customers, everyone when the
 * base is small enough to learn from whole), and BG/NBD's view of them at those cutoffs
 * (training_btyd_features; btyd_features is the features stage's, at
 * as-of). Returns the BG/NBD fit made at the holdout cutoff, for the
 * backtest to reuse.
 */
export async function buildTrainingData(
  db: Database,
  tables: SampleTables,
  plan: SnapshotPlan,
  sample: TrainingSample,
  /** threads: BG/NBD's fits per cutoff on a thread of their own above 1 (buildBtydFeatures). */
  o: { horizonDays: number; season: boolean; threads?: number },
  step: Step = untimed,
  /** Where a failure of the BG/NBD fitting thread is said. */
  log?: Logger,
): Promise<Map<string, BgNbdFit>> {
  const use = sampleUse(sample);
  await step('training snapshots', async () => buildSnapshots(db, plan, o.horizonDays, await tables.sources(use.sampled)));
  const fits = await step('BG/NBD features per cutoff', () =>
    buildBtydFeatures(db, tables, { sample: [...plan.trainCutoffs, plan.holdoutCutoff], everyone: [] }, o.horizonDays, use, 7, o.season, 'training_btyd_features', { threads: o.threads, log }));
  return new Map([...fits].filter(([cutoff]) => cutoff === plan.holdoutCutoff));
}
