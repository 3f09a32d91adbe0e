import type { Database } from '../db/Database.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, type FeatureColumns, type PreprocessorState } from '../learn/preprocess.js';

/**
 * A features table joined with BG/NBD's features at the same as-of:
 * customer_features with btyd_features, training_snapshots with
 * training_btyd_features (SNAPSHOTS_WITH_BTYD).
 */
export const withBtydFeatures = (table: string, btyd = 'btyd_features') =>
  `(SELECT t.*, b.* EXCLUDE (as_of, customer_id) FROM ${table} t LEFT JOIN ${btyd} b ON CAST(b.as_of AS DATE) = t.as_of AND b.customer_id = t.customer_id)`;

/** The training snapshots with BG/NBD's view of each at its cutoff. */
export const SNAPSHOTS_WITH_BTYD = withBtydFeatures('training_snapshots', 'training_btyd_features');

/** The features a fitted preprocessor reads (those missing from its training data left out): what scoring with it needs to read. */
export const modelInputs = (state: PreprocessorState): string[] => [...state.numeric.map((f) => f.name), ...state.categorical.map((c) => c.name)];

/**
 * The query of the model inputs (and labels when the source has them):
 * numbers as DOUBLE, categories as text; with `only`, those of its
 * features alone (modelInputs).
 */
export function featureColumnsSql(source: string, where: string, labels: boolean, only?: readonly string[]): string {
  const read = (name: string) => !only || only.includes(name);
  const numeric = NUMERIC_FEATURES.filter((f) => read(f.name)).map((f) => `, CAST(${f.name} AS DOUBLE) AS ${f.name}`);
  const categorical = CATEGORICAL_FEATURES.filter(read).map((c) => `, CAST(${c} AS VARCHAR) AS ${c}`);
  const extra = labels ? [', CAST(churned AS DOUBLE) AS churned', ', CAST(greatest(future_spend, 0) AS DOUBLE) AS future_spend'] : [];
  return `SELECT customer_id${numeric.join('')}${categorical.join('')} ${extra.join('')}
    FROM ${source} WHERE ${where}`;
}

/** Feature columns (and labels when the source has them) as typed columns, in customer order. */
export async function readFeatureColumns(db: Database, source: string, where = 'true', labels = false): Promise<{ data: FeatureColumns; n: number }> {
  const data = await db.columns(`${featureColumnsSql(source, where, labels)} ORDER BY ${labels ? 'as_of, ' : ''}customer_id`);
  return { data, n: (data.customer_id as unknown[]).length };
}

/**
 * The same columns in batches of `rows` (no order: each row is scored on
 * its own), so that scoring holds one batch in memory whatever the base's size;
 * with `only`, those features alone (a model's inputs, modelInputs).
 */
export function featureBatches(db: Database, source: string, where = 'true', rows = 65_536, ordered = false, only?: readonly string[]): AsyncGenerator<{ columns: FeatureColumns; n: number }> {
  return db.batches(featureColumnsSql(source, where, false, only) + (ordered ? ' ORDER BY customer_id' : ''), undefined, rows);
}
