import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import type { FeaturesOutput } from '../features/featuresStage.js';
import { SampleTables, sampleUse } from '../features/trainingSample.js';
import { initBackend } from '../learn/tfBackend.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { adoptChallenger, championArchitectures, reusableChampion, type ModelDecision, type RetrainPolicy } from '../registry/champion.js';
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
  /** Search the networks' architectures at every retrain ('always') or only when needed (the champion's are kept). */
  architectureSearch: 'when-needed' | 'always';
  /** Networks trained at once, each on a thread (duckdb.threads, by default every core). */
  threads: number;
}

export interface TrainOutput {
  /** The models that score this run: a new champion, or the kept one. */
  models: TrainedModels;
  /** The folder of the model version that scores (its fitted personas are kept there at its first scoring). */
  modelDir: string;
  model: ModelDecision;
  /** The TensorFlow.js backend, when networks train or score. */
  tfjsBackend?: string;
}

/**
 * The train stage: the champion scores when it is recent and the data
 * has not drifted (reusableChampion), and nothing is built for training;
 * otherwise the training snapshots are built (buildTrainingData), every
 * candidate is backtested and relearnt (trainModels) and the challenger
 * replaces the champion only if it beats it (adoptChallenger). The
 * networks keep the champion's architectures (no search) unless
 * training.architectureSearch is 'always' or there is no champion with
 * networks: then they are searched. Which happened is logged and kept in
 * model_metrics.json (networks.architecture_search).
 */
export const trainStage: Stage<TrainParams, Pick<FeaturesOutput, 'asOf' | 'plan' | 'sample' | 'btydFits'>, TrainOutput> = {
  name: 'train',
  reads: ['orders', 'order_lines', 'customers', 'tickets', 'training_sample', 'customer_features', 'model_registry'],
  writes: ['training_snapshots', 'training_btyd_features', 'holdout_churn_scores', 'holdout_bgnbd_scores', 'holdout_pareto_scores', 'holdout_btyd_scores', 'model_registry', 'backtests'],
  outside: 'writes a model version folder under --models',
  params: (c: Config) => ({
    horizonDays: c.horizonDays, annualDiscountRate: c.scoring.annualDiscountRate, seed: c.seed, neural: c.neural,
    maxTrainingRows: c.training.maxRows, minNetworkRows: c.training.minNetworkRows, btyd: c.btyd, retrain: { ...c.retrain, neural: c.neural }, modelsDir: c.models,
    architectureSearch: c.training.architectureSearch, threads: c.duckdb.threads ?? availableParallelism(),
  }),
  async run({ db, log, step, runId }, p, { asOf, plan, sample, btydFits }) {
    const backend = p.neural ? await initBackend(log) : undefined;
    const reused = await reusableChampion(db, asOf, p.retrain, log);
    const chosen = reused ?? await (async () => {
      const tables = new SampleTables(db);
      try {
        const holdoutFits = await buildTrainingData(db, tables, plan, sample, { horizonDays: p.horizonDays, season: p.btyd.season, threads: p.threads }, step, log);
        // The champion's architectures are kept (no search) unless asked to search or it has no networks.
        const kept = p.neural && p.architectureSearch === 'when-needed' ? await championArchitectures(db) : undefined;
        const architectureSearch = !p.neural ? undefined : kept
          ? { searched: false, reason: `the champion ${kept.version}'s architectures kept${kept.epochs ? `, trained for its epochs to the best (churn ${kept.epochs.churn ?? 'stopping early'}, value ${kept.epochs.value ?? 'stopping early'})` : ''} (training.architectureSearch: always searches at every retrain)` }
          : { searched: true, reason: p.architectureSearch === 'always' ? 'training.architectureSearch is always' : 'no champion with networks' };
        if (architectureSearch) log.info({ churn: kept?.churn[0], value: kept?.value[0] }, `the networks' architectures: ${architectureSearch.searched ? 'searched' : 'kept'}: ${architectureSearch.reason}`);
        const trained = await trainModels(db, plan, asOf, {
          horizonDays: p.horizonDays, annualDiscountRate: p.annualDiscountRate, seed: p.seed, neural: p.neural,
          maxTrainingRows: p.maxTrainingRows, minNetworkRows: p.minNetworkRows, btydPenalty: p.btyd.penalty, season: p.btyd.season, threads: p.threads,
          btydFitSource: await tables.orders(sampleUse(sample).fitOn), holdoutSource: await tables.orders(sampleUse(sample).sampled), sample, btydFits: new Map([...btydFits, ...holdoutFits]), step,
          ...(kept ? { architectures: { churn: kept.churn, value: kept.value, ...(kept.epochs ? { epochs: kept.epochs } : {}) } } : {}), ...(architectureSearch ? { architectureSearch } : {}),
        }, log);
        return adoptChallenger(db, trained, p.modelsDir, asOf, runId, log);
      } finally {
        await tables.drop();
      }
    })();
    // A kept champion may have networks although this run trains none: they score with the same backend.
    const tfjsBackend = backend ?? (chosen.models.neural ? await initBackend(log) : undefined);
    return { models: chosen.models, modelDir: chosen.dir, model: chosen.decision, ...(tfjsBackend ? { tfjsBackend } : {}) };
  },
  rows: async ({ db }, out) => ({ rows_in: out.model.trained === null ? 0 : await db.value<number>('SELECT count(*) FROM training_snapshots') }),
  manifest: (out) => ({ ...(out.tfjsBackend ? { tfjs_backend: out.tfjsBackend } : {}), model: out.model, model_version: out.models.version }),
};
