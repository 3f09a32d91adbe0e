import { literal, type Database } from '../db/Database.js';

/*
 * btyd_features, the features stage's BG/NBD view of every customer at
 * as-of, is a view: customer_features' rows beside their figures, by
 * position. The figures are computed from customer_features' histories
 * read in its stored order (btyd_histories.sql) and kept, numbers alone, in
 * btyd_features__figures; the view pairs them with the rows they were
 * computed from, so a million ids and as-of texts are not written a second
 * time (a positional join written out is one thread's work of half a
 * second). The pairing holds while customer_features is the table the
 * figures were computed from: whatever replaces customer_features forgets
 * btyd_features first (forgetBtydFeatures), so that a reader finds none
 * rather than one paired with other rows, until the features stage computes
 * it again.
 */

/** The table of the figures, in customer_features' row order. */
export const BTYD_FEATURE_FIGURES = 'btyd_features__figures';

/** btyd_features' figure columns, after as_of and customer_id. */
export const BTYD_FEATURE_COLUMNS = ['btyd_p_alive', 'btyd_expected_purchases', 'btyd_p_no_purchase', 'btyd_season_index'] as const;

/** Drops btyd_features (the view, or the table it was before issue 25) and its figures. */
export async function forgetBtydFeatures(db: Database): Promise<void> {
  if (await db.isTable('btyd_features')) await db.run('DROP TABLE btyd_features');
  await db.run(`DROP VIEW IF EXISTS btyd_features; DROP TABLE IF EXISTS ${BTYD_FEATURE_FIGURES}`);
}

/** An empty table for the figures, to append to in customer_features' row order. */
export const createFigures = (db: Database) =>
  db.run(`CREATE OR REPLACE TABLE ${BTYD_FEATURE_FIGURES} (${BTYD_FEATURE_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')})`);

/** btyd_features as of `asOf`: customer_features' ids beside the figures appended in its row order. */
export const createBtydFeaturesView = (db: Database, asOf: string) =>
  db.run(`CREATE OR REPLACE VIEW btyd_features AS
    SELECT CAST(${literal(asOf)} AS VARCHAR) AS as_of, f.customer_id, ${BTYD_FEATURE_COLUMNS.map((c) => `g.${c}`).join(', ')}
    FROM customer_features f POSITIONAL JOIN ${BTYD_FEATURE_FIGURES} g`);
