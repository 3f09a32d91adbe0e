import { UNCOMPRESSED_TEXT, type Database } from '../db/Database.js';
import { scoreNeural } from '../learn/neuralModels.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { untimed, type Step } from '../measure.js';
import type { Logger } from '../log.js';
import { createFeaturesBtydSummary, scoreBtyd } from '../train/btydScoreTable.js';
import { customerFeaturesRead, featureBatches, modelInputs } from '../train/featureColumns.js';
import { applyRfTable } from '../train/rfTable.js';
import type { ScoreParams } from './scoreParams.js';

/** The networks' scores of every customer, in customer_features' row order (a temporary table of scoreModels'). */
const NEURAL_FIGURES = 'neural_scores__figures';

/**
 * The models' part of scoring, customer by customer, for every customer of
 * customer_features: btyd_scores (the BTYD model's figures and
 * intervals; a view of the customers of its summary,
 * btyd_scores__features_summary, beside their figures,
 * btyd_scores__figures, by position), neural_scores (the networks' churn probability and horizon
 * spend; empty without networks) and churn_scores (the churn champion's
 * probability). Independent per customer, so it splits across workers
 * (scorePartition).
 */
export async function scoreModels(db: Database, models: TrainedModels, asOf: string, p: ScoreParams, step: Step = untimed, log?: Logger, batchRows = 65_536): Promise<void> {
  // The customers' BTYD summary from customer_features (`asOf` is its as-of) and the orders' repeat values, shared by both BTYD scorings.
  const summary = 'btyd_scores__features_summary';
  // Unsorted: btyd_scores is read by joins on customer_id (value_scores, customer_scores) and partitions copy it sorted.
  const btydOptions = { horizonDays: p.horizonDays, annualDiscountRate: p.scoring.annualDiscountRate, seed: p.seed, batchRows, summary, ordered: false };
  // btyd_scores is a view of the summary's ids beside its figures (scoreBtyd's `view`): the summary is kept for it once scored.
  let keepSummary = false;
  try {
    // The BTYD scores on a connection of their own, their figures on a thread of their own (with more than one), while
    // the networks score on this connection and thread: each is long stretches of one thread's work (a history's
    // figures, a batch's prediction) between statements the other's work fills.
    const btyd = db.onBeside((other) => step('BTYD scores', async () => {
      await createFeaturesBtydSummary(other, summary, asOf, models.btyd.unit_days);
      await scoreBtyd(other, models.btyd, asOf, 'btyd_scores', {
        ...btydOptions, model: models.btydModel, intervalDraws: p.scoring.intervalDraws, thread: (p.threads ?? 1) > 1, view: true, ...(log ? { log } : {}),
      });
      keepSummary = true;
    }));
    const networks = (async () => {
      await db.run(`CREATE OR REPLACE TABLE neural_scores (customer_id ${UNCOMPRESSED_TEXT}, churn_probability DOUBLE, predicted_value DOUBLE)`);
      if (!models.neural) return;
      const trained = models.neural;
      await step('networks', async () => {
        // Only the features the networks read (a feature missing from their training data is not read), BG/NBD's by position.
        const { source, inOrder } = await customerFeaturesRead(db);
        // Read in customer_features' stored order, the scores are appended alone and paired with its ids by position:
        // a million ids are neither read into this thread nor appended from it (0.3 s and 0.6-0.75 s of the thread the
        // networks' prediction runs on, against 0.5-0.7 s of one DuckDB thread for the pairing).
        const into = inOrder ? NEURAL_FIGURES : 'neural_scores';
        if (inOrder) await db.run(`CREATE OR REPLACE TEMP TABLE ${NEURAL_FIGURES} (churn_probability DOUBLE, predicted_value DOUBLE)`);
        try {
          for await (const batch of featureBatches(db, source, 'true', batchRows, { only: modelInputs(trained.preprocessor), ids: !inOrder })) {
            const scored = scoreNeural(trained, batch.columns, batch.n);
            await db.appendColumns(into, inOrder ? [scored.churn, scored.value] : [batch.columns.customer_id as string[], scored.churn, scored.value]);
          }
          if (inOrder) {
            const counts = await db.one<{ scored: number; customers: number }>(`SELECT (SELECT count(*) FROM ${NEURAL_FIGURES}) AS scored, (SELECT count(*) FROM customer_features) AS customers`);
            if (Number(counts!.scored) !== Number(counts!.customers)) throw new Error(`the networks scored ${counts!.scored} customers of customer_features' ${counts!.customers}`);
            await db.replaceTablePlainText('neural_scores',
              `SELECT f.customer_id, g.churn_probability, g.predicted_value FROM customer_features f POSITIONAL JOIN ${NEURAL_FIGURES} g`);
          }
        } finally {
          if (inOrder) await db.run(`DROP TABLE IF EXISTS ${NEURAL_FIGURES}`);
        }
      });
    })();
    // Both finish before anything reads their tables or the summary is dropped, whichever fails.
    const failed = (await Promise.allSettled([btyd, networks])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;

    switch (models.churnModel) {
      case 'rf_table':
        await applyRfTable(db, models.cells, 'customer_features', 'churn_scores');
        break;
      case 'neural':
        await db.replaceTablePlainText('churn_scores', 'SELECT customer_id, churn_probability FROM neural_scores');
        break;
      default:
        // A BTYD model's P(no purchase in the horizon): from btyd_scores when it is also the purchase model,
        // otherwise scored apart (BG/NBD's, when Pareto/NBD gives the other BTYD figures).
        if (models.churnModel === models.btydModel) {
          await db.replaceTablePlainText('churn_scores', 'SELECT customer_id, p_no_purchase AS churn_probability FROM btyd_scores');
        } else {
          await scoreBtyd(db, models.btyd, asOf, 'btyd_churn_scores', { ...btydOptions, model: models.churnModel, intervalDraws: 0 });
          await db.replaceTablePlainText('churn_scores', 'SELECT customer_id, p_no_purchase AS churn_probability FROM btyd_churn_scores');
          await db.run('DROP TABLE btyd_churn_scores');
        }
    }
  } catch (err) {
    // The view would read a summary and figures of different runs: gone rather than wrong.
    await db.run('DROP VIEW IF EXISTS btyd_scores').catch(() => undefined);
    keepSummary = false;
    throw err;
  } finally {
    if (!keepSummary) await db.run(`DROP TABLE IF EXISTS ${summary}`);
  }
}
