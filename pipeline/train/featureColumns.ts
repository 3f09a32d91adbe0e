import type { Database } from '../db/Database.js';
import { BTYD_FEATURE_COLUMNS, BTYD_FEATURE_FIGURES } from '../features/btydFeaturesView.js';
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
export function featureColumnsSql(source: string, where: string, labels: boolean, only?: readonly string[], ids = true): string {
  const read = (name: string) => !only || only.includes(name);
  const numeric = NUMERIC_FEATURES.filter((f) => read(f.name)).map((f) => `CAST(${f.name} AS DOUBLE) AS ${f.name}`);
  const categorical = CATEGORICAL_FEATURES.filter(read).map((c) => `CAST(${c} AS VARCHAR) AS ${c}`);
  const extra = labels ? ['CAST(churned AS DOUBLE) AS churned', 'CAST(greatest(future_spend, 0) AS DOUBLE) AS future_spend'] : [];
  return `SELECT ${[...(ids ? ['customer_id'] : []), ...numeric, ...categorical, ...extra].join(', ')}
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
 * with `only`, those features alone (a model's inputs, modelInputs); with
 * `ids` false, without customer_id (a reader that pairs rows by position);
 * with `shared`, the numbers in SharedArrayBuffers (Database.batches), for a
 * reader that hands them to worker threads.
 */
export function featureBatches(
  db: Database, source: string, where = 'true', rows = 65_536,
  { ordered = false, only, ids = true, shared = false }: { ordered?: boolean; only?: readonly string[]; ids?: boolean; shared?: boolean } = {},
): AsyncGenerator<{ columns: FeatureColumns; n: number }> {
  return db.batches(featureColumnsSql(source, where, false, only, ids) + (ordered ? ' ORDER BY customer_id' : ''), undefined, rows, shared);
}

/**
 * customer_features with BG/NBD's features beside each row, the columns of
 * withBtydFeatures('customer_features'), as a query to read every customer
 * from (`source`): by position when btyd_features is this database's view of
 * customer_features' rows beside their figures at its own as-of (the
 * pairing the view itself makes: no join of a million ids, which is about
 * a CPU-second of reading every customer's model inputs at a million),
 * otherwise joined on the customer and the as-of (a scoring worker's
 * views of one share of the customers, or no view). A filtered read is
 * better served by the join, which filters customer_features first.
 * `inOrder`: the query reads customer_features' rows in their stored order,
 * every one (the positional read; a scan keeps its order with
 * preserve_insertion_order), so that what is computed from its rows, read
 * unfiltered, can be paired with them by position instead of carrying ids.
 */
export async function customerFeaturesRead(db: Database): Promise<{ source: string; inOrder: boolean }> {
  const joined = { source: withBtydFeatures('customer_features'), inOrder: false };
  if (!(await db.isView('btyd_features')) || !(await db.isTable(BTYD_FEATURE_FIGURES)) || !(await db.isTable('customer_features'))) return joined;
  const same = await db.one<{ same: boolean }>(`SELECT (SELECT count(*) FROM customer_features) = (SELECT count(*) FROM ${BTYD_FEATURE_FIGURES})
    AND coalesce((SELECT CAST(as_of AS DATE) FROM btyd_features LIMIT 1) = (SELECT max(as_of) FROM customer_features), true)
    AND (SELECT count(DISTINCT as_of) FROM customer_features) <= 1 AS same`);
  if (!same?.same) return joined;
  return {
    source: `(SELECT t.*, ${BTYD_FEATURE_COLUMNS.map((c) => `g.${c}`).join(', ')} FROM customer_features t POSITIONAL JOIN ${BTYD_FEATURE_FIGURES} g)`,
    inOrder: (await db.value<boolean>("SELECT current_setting('preserve_insertion_order')")) === true,
  };
}
