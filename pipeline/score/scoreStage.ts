import type { Database } from '../db/Database.js';
import type { FeaturesOutput } from '../features/featuresStage.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { untimed, type Step } from '../measure.js';
import type { Stage } from '../stage.js';
import type { TrainOutput } from '../train/trainStage.js';
import { rankCustomers } from './rankCustomers.js';
import { scoreModels } from './scoreModels.js';
import { scoreParams, type ScoreParams } from './scoreParams.js';

/**
 * The score stage: every customer known at as-of, with the champion
 * models: the model tables (scoreModels, in batches: memory holds one
 * batch), then customer_scores (rankCustomers, in SQL).
 */
/** Scores every customer of customer_features with `models`; returns how many. */
export async function scoreCustomers(db: Database, models: TrainedModels, asOf: string, p: ScoreParams, step: Step = untimed): Promise<number> {
  await scoreModels(db, models, asOf, p, step);
  return rankCustomers(db, models, p, step);
}

export const scoreStage: Stage<ScoreParams, Pick<FeaturesOutput, 'asOf'> & Pick<TrainOutput, 'models'>, { scored: number }> = {
  name: 'score',
  reads: ['customer_features', 'btyd_features', 'orders', 'customers', 'customer_scores_history'],
  writes: ['btyd_scores', 'neural_scores', 'churn_scores', 'value_scores', 'customer_scores'],
  params: scoreParams,
  async run({ db, step }, p, { asOf, models }) {
    return { scored: await scoreCustomers(db, models, asOf, p, step) };
  },
  rows: async ({ db }, out) => ({ rows_in: await db.value<number>('SELECT count(*) FROM customer_features'), rows_out: out.scored }),
};
