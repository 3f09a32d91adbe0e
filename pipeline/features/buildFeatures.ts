import { addDays, dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { progress } from '../log.js';

/**
 * Builds `customer_features`: one row per customer known at `asOf`, from
 * rows dated on or before it (see customer_features.sql for every column).
 */
export async function buildFeatures(db: Database, asOf: string): Promise<number> {
  await db.run(`CREATE OR REPLACE TABLE customer_features AS ${readSql('features/customer_features.sql')}`, {
    as_of: dateParam(asOf),
  });
  return db.value<number>('SELECT count(*) FROM customer_features');
}

export interface SnapshotOptions {
  asOf: string;
  horizonDays: number;
  /** Training cutoffs before the holdout one. */
  count: number;
  spacingDays: number;
}

export interface SnapshotPlan {
  /** The cutoff whose labels end at as-of: held out to backtest models trained on the earlier ones. */
  holdoutCutoff: string;
  trainCutoffs: string[];
}

/**
 * The cutoffs for labelled snapshots. The holdout cutoff is as_of - horizon
 * (its labels are the latest full horizon); training cutoffs step back from
 * holdout - horizon so that no training label overlaps the holdout period.
 * Cutoffs before the first order are dropped.
 */
export function planSnapshots(options: SnapshotOptions, firstOrderDate: string): SnapshotPlan {
  const holdoutCutoff = addDays(options.asOf, -options.horizonDays);
  const trainCutoffs: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const cutoff = addDays(holdoutCutoff, -options.horizonDays - i * options.spacingDays);
    if (cutoff <= firstOrderDate) break;
    trainCutoffs.push(cutoff);
  }
  return { holdoutCutoff, trainCutoffs };
}

export interface TrainingSample {
  /** Customers known at as-of. */
  customers: number;
  /** Customers in `training_sample`; equal to `customers` when the base is small enough to learn from whole. */
  sampled: number;
  /** True when the models learn from a sample (sampled < customers). */
  partial: boolean;
  /** Of the sample, the customers the BTYD models are fitted on (training_sample.fits_btyd). */
  btydFit: number;
}

/** Whose histories the training snapshots hold and the BTYD models are fitted on (btydStage's Customers). */
export function sampleUse(sample: TrainingSample): { sampled: 'all' | 'sample'; fitOn: 'all' | 'fit' } {
  return { sampled: sample.partial ? 'sample' : 'all', fitOn: sample.btydFit < sample.customers ? 'fit' : 'all' };
}

/**
 * Chooses the customers the models learn from: table `training_sample`
 * (customer_id, fits_btyd). A base of at most `size` customers is taken
 * whole. A larger one is sampled in proportion within strata of purchase
 * count (1, 2, 3, 4, 5+) and recency at as-of (up to 90 days, up to a
 * year, longer), so the sample has the base's mix of new, regular and
 * lapsed customers; within a stratum the customers are ordered by a seeded
 * hash of their id, so the same base and seed give the same sample. The
 * BTYD models are fitted on at most `btydFitSize` of the sample's customers
 * (fits_btyd: the first by another seeded hash), plenty for their three or
 * four parameters; they then score everyone.
 */
export async function buildTrainingSample(db: Database, size: number, seed: number, btydFitSize = size): Promise<TrainingSample> {
  const customers = await db.value<number>('SELECT count(*) FROM customer_features');
  const share = Math.min(1, size / Math.max(1, customers));
  await db.run(`CREATE OR REPLACE TABLE training_sample AS
    SELECT customer_id, row_number() OVER (ORDER BY hash(customer_id || $seed || '/btyd'), customer_id) <= $fit AS fits_btyd FROM (
      SELECT customer_id,
        row_number() OVER (PARTITION BY stratum ORDER BY hash(customer_id || $seed), customer_id) AS k,
        count(*) OVER (PARTITION BY stratum) AS n
      FROM (
        SELECT customer_id, least(orders_count, 5) * 10
          + CASE WHEN recency_days <= 90 THEN 0 WHEN recency_days <= 365 THEN 1 ELSE 2 END AS stratum
        FROM customer_features))
    WHERE k <= round(n * $share)
    ORDER BY customer_id`, { seed: String(seed), share, fit: btydFitSize });
  const counts = await db.one<{ sampled: number; fit: number }>('SELECT count(*) AS sampled, count(*) FILTER (WHERE fits_btyd) AS fit FROM training_sample');
  return { customers, sampled: counts!.sampled, partial: counts!.sampled < customers, btydFit: counts!.fit };
}

/**
 * The customer_features query with its order and ticket sources restricted
 * to the customers of `training_sample` (so that a sampled snapshot reads a
 * sample's rows, not the whole history).
 */
function sampledFeaturesSql(): string {
  const sql = readSql('features/customer_features.sql');
  const sources = [
    ['FROM orders WHERE', 'FROM sample_orders WHERE'],
    ['FROM tickets WHERE', 'FROM sample_tickets WHERE'],
  ];
  return sources.reduce((q, [from, to]) => {
    if (!q.includes(from!)) throw new Error(`customer_features.sql no longer reads "${from}": update sampledFeaturesSql`);
    return q.replace(from!, to!);
  }, sql);
}

/**
 * Builds `training_snapshots`: for each cutoff of the plan, the features as
 * of the cutoff joined with the labels over (cutoff, cutoff + horizon]
 * (see training_snapshots.sql). With a partial training sample, the
 * training cutoffs hold the sampled customers only; the holdout cutoff,
 * which backtests the models, always holds every customer.
 */
export async function buildSnapshots(db: Database, plan: SnapshotPlan, horizonDays: number, sample?: TrainingSample): Promise<number> {
  const template = readSql('features/training_snapshots.sql');
  const whole = template.replace('/*customer_features*/', readSql('features/customer_features.sql'));
  let sampled = whole;
  if (sample?.partial) {
    await db.run(`CREATE OR REPLACE TEMP TABLE sample_orders AS SELECT * FROM orders WHERE customer_id IN (SELECT customer_id FROM training_sample);
      CREATE OR REPLACE TEMP TABLE sample_tickets AS SELECT * FROM tickets WHERE customer_id IN (SELECT customer_id FROM training_sample)`);
    // The labels' orders first (the template's only FROM orders), then the features inlined.
    sampled = template.replace('FROM orders', 'FROM sample_orders').replace('/*customer_features*/', sampledFeaturesSql());
  }
  await db.run('DROP TABLE IF EXISTS training_snapshots');
  const cutoffs = [...plan.trainCutoffs.map((c) => ({ c, split: 'train' })), { c: plan.holdoutCutoff, split: 'holdout' }];
  const bar = progress('features: snapshots', cutoffs.length);
  for (const [i, { c, split }] of cutoffs.entries()) {
    bar.tick(i);
    const params = { as_of: dateParam(c), horizon: horizonDays, split };
    const select = split === 'train' ? sampled : whole;
    await db.run(i === 0 ? `CREATE TABLE training_snapshots AS ${select}` : `INSERT INTO training_snapshots ${select}`, params);
  }
  bar.end();
  await db.run('DROP TABLE IF EXISTS sample_orders; DROP TABLE IF EXISTS sample_tickets');
  return db.value<number>('SELECT count(*) FROM training_snapshots');
}
