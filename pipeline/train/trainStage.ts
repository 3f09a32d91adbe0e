import type { Config } from '../config.js';
import type { FeaturesOutput } from '../features/featuresStage.js';
import { SampleTables, sampleUse } from '../features/trainingSample.js';
import { initBackend } from '../learn/tfBackend.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { adoptChallenger, reusableChampion, type ModelDecision, type RetrainPolicy } from '../registry/champion.js';
import type { Stage } from '../stage.js';
import { buildTrainingData } from './trainingData.js';
import { trainModels } from './trainModels.js';

export interface TrainParams {
  horizonDays: number;
  annualDiscountRate: number;
  seed: number;
  neural: boolean;
  maxTrainingRows: number;
  minNetworkRows: number;
  btyd: { penalty: number; season: boolean };
  retrain: RetrainPolicy;
  /** The folder model versions are saved in. */
  modelsDir: string;
}

export interface TrainOutput {
  /** The models that score this run: a new champion, or the kept one. */
  models: TrainedModels;
  model: ModelDecision;
  /** The TensorFlow.js backend, when networks train or score. */
  tfjsBackend?: string;
}

/**
 * The train stage: the champion scores when it is recent and the data
 * has not drifted (reusableChampion), and nothing is built for training;
 * otherwise the training snapshots are built (buildTrainingData), every
 * candidate is backtested and relearnt (trainModels) and the challenger
 * replaces the champion only if it beats it (adoptChallenger).
 */
export const trainStage: Stage<TrainParams, Pick<FeaturesOutput, 'asOf' | 'plan' | 'sample' | 'btydFits'>, TrainOutput> = {
  name: 'train',
  reads: ['orders', 'order_lines', 'customers', 'tickets', 'training_sample', 'customer_features', 'model_registry'],
  writes: ['training_snapshots', 'training_btyd_features', 'holdout_churn_scores', 'holdout_bgnbd_scores', 'holdout_pareto_scores', 'holdout_btyd_scores', 'model_registry', 'backtests'],
  outside: 'writes a model version folder under --models',
  params: (c: Config) => ({
    horizonDays: c.horizonDays, annualDiscountRate: c.scoring.annualDiscountRate, seed: c.seed, neural: c.neural,
    maxTrainingRows: c.training.maxRows, minNetworkRows: c.training.minNetworkRows, btyd: c.btyd, retrain: { ...c.retrain, neural: c.neural }, modelsDir: c.models,
  }),
  async run({ db, log, step, runId }, p, { asOf, plan, sample, btydFits }) {
    const backend = p.neural ? await initBackend(log) : undefined;
    const reused = await reusableChampion(db, asOf, p.retrain, log);
    const chosen = reused ?? await (async () => {
      const tables = new SampleTables(db);
      try {
        const holdoutFits = await buildTrainingData(db, tables, plan, sample, { horizonDays: p.horizonDays, season: p.btyd.season }, step);
        const trained = await trainModels(db, plan, asOf, {
          horizonDays: p.horizonDays, annualDiscountRate: p.annualDiscountRate, seed: p.seed, neural: p.neural,
          maxTrainingRows: p.maxTrainingRows, minNetworkRows: p.minNetworkRows, btydPenalty: p.btyd.penalty, season: p.btyd.season,
          btydFitSource: await tables.orders(sampleUse(sample).fitOn), sample, btydFits: new Map([...btydFits, ...holdoutFits]), step,
        }, log);
        return adoptChallenger(db, trained, p.modelsDir, asOf, runId, log);
      } finally {
        await tables.drop();
      }
    })();
    // A kept champion may have networks although this run trains none: they score with the same backend.
    const tfjsBackend = backend ?? (chosen.models.neural ? await initBackend(log) : undefined);
    return { models: chosen.models, model: chosen.decision, ...(tfjsBackend ? { tfjsBackend } : {}) };
  },
  rows: async ({ db }, out) => ({ rows_in: out.model.trained === null ? 0 : await db.value<number>('SELECT count(*) FROM training_snapshots') }),
};
