import { scoreBtyd } from '../btyd/btydStage.js';
import type { Config } from '../config.js';
import { literal, type Database } from '../db/Database.js';
import { UsageError } from '../errors.js';
import { readSql } from '../db/sqlFile.js';
import { featureBatches, scoreNeural, withBtydFeatures } from '../learn/neuralModels.js';
import { untimed, type Step } from '../measure.js';
import { applyRfTable } from '../learn/rfTableModel.js';
import { occlusionReasons } from './reasons.js';
import type { TrainedModels } from '../learn/trainModels.js';

/**
 * customer_scores.sql with the operator's own conditions (the VIP rule and
 * custom flags: SQL from the trusted config) inlined; values stay bound.
 */
export function customerScoresSql(s: Config['scoring']): string {
  return readSql('score/customer_scores.sql')
    .replace('/*vip_expression*/', s.vip.expression ?? 'false')
    .replace('/*custom_flags*/', s.flags.custom.map((f) => `, CASE WHEN coalesce((${f.expression}), false) THEN ${literal(f.name)} END`).join(''));
}

/**
 * The score stage: every customer known at as-of, with the champion
 * models. Builds btyd_scores (p_alive, expected purchases, the CLV's time
 * profile and intervals), churn_scores (the churn champion's probability),
 * value_scores (the value champion's horizon spend and 12-month CLV) and
 * from them customer_scores (customer_scores.sql): scoreModels, then
 * rankCustomers. The models score in batches of `batchRows` customers
 * (memory holds one batch); the rest is SQL.
 */
export async function scoreCustomers(db: Database, models: TrainedModels, asOf: string, config: Config, step: Step = untimed, batchRows = 65_536): Promise<number> {
  await scoreModels(db, models, asOf, config, step, batchRows);
  return rankCustomers(db, models, config, step, batchRows);
}

/**
 * The models' part of scoring, customer by customer: btyd_scores,
 * neural_scores (with the networks) and churn_scores for every customer of
 * customer_features. Independent per customer, so it splits across workers
 * (scorePartition).
 */
export async function scoreModels(db: Database, models: TrainedModels, asOf: string, config: Config, step: Step = untimed, batchRows = 65_536): Promise<void> {
  const btydOptions = { horizonDays: config.horizonDays, annualDiscountRate: config.scoring.annualDiscountRate, seed: config.seed, batchRows };
  await step('BTYD scores', () => scoreBtyd(db, models.btyd, asOf, 'btyd_scores', { ...btydOptions, model: models.btydModel, intervalDraws: config.scoring.intervalDraws }));

  if (models.neural) {
    const networks = models.neural;
    await step('networks', async () => {
      await db.run('CREATE OR REPLACE TABLE neural_scores (customer_id VARCHAR, churn_probability DOUBLE, predicted_value DOUBLE)');
      for await (const batch of featureBatches(db, withBtydFeatures('customer_features'), 'true', batchRows)) {
        const scored = scoreNeural(networks, batch.columns, batch.n);
        await db.appendColumns('neural_scores', [batch.columns.customer_id as string[], scored.churn, scored.value]);
      }
    });
  }

  switch (models.churnModel) {
    case 'rf_table':
      await applyRfTable(db, models.cells, 'customer_features', 'churn_scores');
      break;
    case 'bgnbd': {
      // P(no purchase) is BG/NBD's; scored apart when Pareto/NBD gives the other BTYD figures.
      const source = models.btydModel === 'bgnbd' ? 'btyd_scores' : 'btyd_churn_scores';
      if (source !== 'btyd_scores') await scoreBtyd(db, models.btyd, asOf, source, { ...btydOptions, model: 'bgnbd', intervalDraws: 0 });
      await db.run(`CREATE OR REPLACE TABLE churn_scores AS SELECT customer_id, p_no_purchase AS churn_probability FROM ${source}`);
      break;
    }
    case 'neural':
      await db.run('CREATE OR REPLACE TABLE churn_scores AS SELECT customer_id, churn_probability FROM neural_scores');
      break;
  }
}

/**
 * value_scores: the value champion's horizon spend and 12-month CLV. The
 * network's CLV borrows the BTYD model's time profile, with the base's
 * median ratio where a customer's own is undefined: a figure over everyone,
 * so it is computed here, once, and not per partition.
 */
async function valueScores(db: Database, models: TrainedModels): Promise<void> {
  if (models.valueModel === 'neural') {
    // The network predicts the horizon's spend; the 12-month CLV keeps the BTYD model's time profile
    // (its CLV over its horizon spend, the population's median ratio where that spend is ~0).
    await db.run(`CREATE OR REPLACE TABLE value_scores AS
      WITH r AS (
        SELECT customer_id, clv_12m / nullif(expected_spend, 0) AS ratio,
          clv_12m_p10 / nullif(clv_12m, 0) AS low, clv_12m_p90 / nullif(clv_12m, 0) AS high
        FROM btyd_scores
      ), m AS (SELECT median(ratio) AS ratio FROM r WHERE ratio IS NOT NULL AND isfinite(ratio))
      SELECT n.customer_id, n.predicted_value,
        n.predicted_value * coalesce(CASE WHEN isfinite(r.ratio) THEN r.ratio END, m.ratio) AS predicted_clv_12m,
        n.predicted_value * coalesce(CASE WHEN isfinite(r.ratio) THEN r.ratio END, m.ratio) * r.low AS predicted_clv_12m_p10,
        n.predicted_value * coalesce(CASE WHEN isfinite(r.ratio) THEN r.ratio END, m.ratio) * r.high AS predicted_clv_12m_p90
      FROM neural_scores n LEFT JOIN r USING (customer_id) CROSS JOIN m`);
  } else {
    await db.run(`CREATE OR REPLACE TABLE value_scores AS
      SELECT customer_id, expected_spend AS predicted_value, clv_12m AS predicted_clv_12m,
        clv_12m_p10 AS predicted_clv_12m_p10, clv_12m_p90 AS predicted_clv_12m_p90
      FROM btyd_scores`);
  }
}

/**
 * The part of scoring that ranks customers against each other (value
 * tiers, the VIP cut, segments, actions and their budget): value_scores and
 * customer_scores from the model tables, then the network's reasons for
 * the customers given an action. Runs once over every customer.
 */
export async function rankCustomers(db: Database, models: TrainedModels, config: Config, step: Step = untimed, batchRows = 65_536): Promise<number> {
  await valueScores(db, models);
  const s = config.scoring;
  try {
    await step('customer_scores', () => db.run(`CREATE OR REPLACE TABLE customer_scores AS ${customerScoresSql(s)}`, {
      horizon: config.horizonDays, medium_risk: s.mediumRisk, high_risk: s.highRisk, predicted_weight: s.predictedWeight,
      vip_rule: s.vip.rule, vip_share: s.vip.valueShare, vip_cap: s.vip.maxCustomerShare,
      lapsed_days: s.lapsedDays, new_days: s.newDays, model_version: models.version,
      top_value_share: s.flags.topValueShare, high_frequency_share: s.flags.highFrequencyShare,
      vip_unresolved_complaints: s.flags.vipUnresolvedComplaints, seed: String(config.seed),
      control_share: s.controlShare, cooldown_days: s.cooldownDays, save_rate: s.budget.saveRate,
      cost_per_action: s.budget.costPerAction, max_actions: s.budget.maxActions ?? null, max_spend: s.budget.maxSpend ?? null,
    }));
  } catch (err) {
    const custom = [s.vip.expression, ...s.flags.custom.map((f) => f.expression)].filter(Boolean);
    if (custom.length && /Binder Error|Parser Error|Conversion Error/.test((err as Error).message)) {
      throw new UsageError(`scoring: a configured SQL condition (scoring.vip.expression or scoring.flags.custom) does not run: ${(err as Error).message.split('\n')[0]}`);
    }
    throw err;
  }
  if (models.churnModel === 'neural' && models.neural) {
    // Attribution of the network's churn score for the customers given an action (the others keep
    // customer_scores.sql's plain reasons): occlusion of each group of inputs against a typical customer.
    const networks = models.neural;
    await step('reasons', async () => {
      await db.run('CREATE OR REPLACE TEMP TABLE occlusion_reasons (customer_id VARCHAR, reasons VARCHAR)');
      const acted = `customer_id IN (SELECT customer_id FROM customer_scores WHERE action <> 'none')`;
      for await (const batch of featureBatches(db, withBtydFeatures('customer_features'), acted, batchRows)) {
        const reasons = occlusionReasons(networks, batch.columns, batch.n, Array.from({ length: batch.n }, (_, i) => i));
        await db.appendColumns('occlusion_reasons', [batch.columns.customer_id as string[], reasons]);
      }
      await db.run(`UPDATE customer_scores s SET reasons = r.reasons FROM occlusion_reasons r WHERE r.customer_id = s.customer_id;
        DROP TABLE occlusion_reasons`);
    });
  }
  return db.value<number>('SELECT count(*) FROM customer_scores');
}
