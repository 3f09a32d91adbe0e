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

/**
 * Builds `training_snapshots`: for each cutoff of the plan, the features as
 * of the cutoff joined with the labels over (cutoff, cutoff + horizon]
 * (see training_snapshots.sql).
 */
export async function buildSnapshots(db: Database, plan: SnapshotPlan, horizonDays: number): Promise<number> {
  const select = readSql('features/training_snapshots.sql').replace('/*customer_features*/', readSql('features/customer_features.sql'));
  await db.run('DROP TABLE IF EXISTS training_snapshots');
  const cutoffs = [...plan.trainCutoffs.map((c) => ({ c, split: 'train' })), { c: plan.holdoutCutoff, split: 'holdout' }];
  const bar = progress('features: snapshots', cutoffs.length);
  for (const [i, { c, split }] of cutoffs.entries()) {
    bar.tick(i);
    const params = { as_of: dateParam(c), horizon: horizonDays, split };
    await db.run(i === 0 ? `CREATE TABLE training_snapshots AS ${select}` : `INSERT INTO training_snapshots ${select}`, params);
  }
  bar.end();
  return db.value<number>('SELECT count(*) FROM training_snapshots');
}
