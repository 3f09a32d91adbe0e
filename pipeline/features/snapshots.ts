import { addDays, dateParam, type Database } from '../db/Database.js';
import { ALL_ROWS, moneySql, withMoney, type FeatureSources } from './customerFeatures.js';

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
 * of the cutoff joined with the labels over (cutoff, cutoff + horizon], in
 * one query over the rows for all the cutoffs (training_snapshots.sql: the
 * same rows customer_features.sql gives at each cutoff). Every cutoff reads
 * `trainSources` (the training sample's rows when it is partial): the
 * holdout cutoff, which backtests the models, holds the same stratified
 * sample of a fixed size (training.sampleCustomers) on a large base, every
 * customer on a small one. Rows are in the plan's order of cutoffs (the
 * training ones, then the holdout), then by customer.
 */
export async function buildSnapshots(db: Database, plan: SnapshotPlan, horizonDays: number, trainSources: FeatureSources = ALL_ROWS): Promise<number> {
  const cutoffs = [...plan.trainCutoffs.map((c) => ({ c, split: 'train' })), { c: plan.holdoutCutoff, split: 'holdout' }];
  await db.run('DROP TABLE IF EXISTS training_snapshots');
  await db.run('CREATE OR REPLACE TEMP TABLE snapshot_cutoffs (position INTEGER, as_of DATE, split VARCHAR)');
  try {
    for (const [i, { c, split }] of cutoffs.entries()) await db.run('INSERT INTO snapshot_cutoffs VALUES ($1, $2, $3)', [i, dateParam(c), split]);
    await withMoney((money) => db.replaceTablePlainText('training_snapshots', moneySql('features/training_snapshots.sql', money), {
      cutoffs: 'snapshot_cutoffs', horizon: horizonDays, orders: trainSources.orders, lines: trainSources.lines, tickets: trainSources.tickets,
    }));
  } finally {
    await db.run('DROP TABLE IF EXISTS snapshot_cutoffs');
  }
  return db.value<number>('SELECT count(*) FROM training_snapshots');
}

/** Days between two ISO dates. */
const daysBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;

/**
 * Where the networks stop early and calibrate, and which cutoffs they fit
 * on, when predicting the horizon after `target`: the cutoff a year (52
 * weeks, within `toleranceDays`) before it when the plan has one (its
 * labels cover the same season, so a busy quarter is not calibrated on a
 * quiet one), fitting on the other cutoffs whose label windows do not
 * overlap its own; otherwise `fallback` (the latest cutoff before the
 * target's labels), fitting on the cutoffs at least a horizon before it.
 */
export function networkWindows(cutoffs: readonly string[], target: string, fallback: string, horizonDays: number, toleranceDays = 16): { fit: string[]; validation: string; sameSeason: boolean } {
  const yearBefore = addDays(target, -364);
  const near = [...cutoffs].sort((a, b) => Math.abs(daysBetween(a, yearBefore)) - Math.abs(daysBetween(b, yearBefore)) || (a < b ? -1 : 1))[0];
  if (near !== undefined && Math.abs(daysBetween(near, yearBefore)) <= toleranceDays) {
    const fit = cutoffs.filter((c) => c !== near && Math.abs(daysBetween(c, near)) >= horizonDays && daysBetween(c, target) >= horizonDays);
    if (fit.length) return { fit, validation: near, sameSeason: true };
  }
  return { fit: cutoffs.filter((c) => c <= addDays(fallback, -horizonDays)), validation: fallback, sameSeason: false };
}
