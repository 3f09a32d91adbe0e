import { createHash } from 'node:crypto';
import type { Database } from '../db/Database.js';
import { dateParam, rowsPrintSql } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { forgetBtydFeatures } from './btydFeaturesView.js';
import { MONEY, buildFeatures, featureParams, moneyOverflow, moneySql, type FeatureSources } from './customerFeatures.js';

/*
 * customer_features carried from run to run. Beside the table the features
 * stage keeps features_state: each customer's fingerprint of the rows their
 * features read (features_fingerprints.sql), and features_state_meta: the
 * as-of it was built at, the definition it was built with and a fingerprint
 * of the table itself. The next run computes the fingerprints again (one
 * pass over the orders, no sort) and rebuilds from their rows only the
 * customers whose rows changed (a new order, a refund, a late or corrected
 * row, a deleted one) or who have rows dated since; everyone else keeps
 * every figure their rows alone give and gets what moves with the as-of
 * computed again (features_carried.sql, beside the rebuilt customers'
 * figures in customer_features.sql itself): their windows moved by the rows
 * at the windows' edges (features_window_changes.sql), not summed again
 * from every order. The table is the one
 * customer_features.sql gives at that as-of, value for value, type for type
 * and row for row (tests/features/featuresState.test.ts): the daily run
 * carries over work, never a result. Anything that does not hold (no state,
 * another definition, an earlier as-of, a table changed since, wide sums of
 * money) builds the whole table as before. And when nothing it reads
 * changed since it was built at the same as-of (no customer's fingerprint,
 * no ticket, no customer's row: INPUTS_PRINT), the table is already the one
 * a build would give and is kept as it is (a run again on the same data,
 * after a change of the scoring's settings).
 */

/** What the kept rows depend on: the four queries' text and the type of the sums of money. A change of either rebuilds the table. */
const definition = (): string => createHash('sha256')
  .update(readSql('features/customer_features.sql')).update('\0').update(readSql('features/features_carried.sql'))
  .update('\0').update(readSql('features/features_fingerprints.sql')).update('\0').update(readSql('features/features_window_changes.sql'))
  .update('\0').update(MONEY)
  .digest('hex').slice(0, 16);

/** A fingerprint of customer_features itself: the state belongs to the table it was made with, not to one built since (fidelio features, a failed run). */
const TABLE_PRINT = `SELECT count(*) AS n, CAST(coalesce(sum(hash(customer_id, as_of, last_order_date, orders_count, purchase_days, net_spend, gross_spend, category_count)), 0) AS VARCHAR) AS h
  FROM customer_features`;

/**
 * A fingerprint of what customer_features reads beside the orders and order lines (which features_state
 * fingerprints customer by customer): the tickets' and the customers' columns customer_features.sql reads.
 */
const INPUTS_PRINT = `SELECT ${rowsPrintSql('tickets', ['customer_id', 'opened_date', 'kind', 'resolved'])} || '|' ||
    ${rowsPrintSql('customers', ['customer_id', 'birth_date', 'signup_date', 'country'])} AS inputs`;

const ORDER_COLUMNS = 'customer_id, order_date, amount, category, channel, discount_used';
const LINE_COLUMNS = 'customer_id, order_id, order_date, quantity, product_id, product_name, category';

export interface FeaturesBuilt {
  customers: number;
  /**
   * 'full': built from every row; 'kept': carried from the previous table, `rebuilt` customers from their rows;
   * 'unchanged': the previous table as it is, built at the same as-of from the same rows (none rebuilt).
   */
  how: 'full' | 'kept' | 'unchanged';
  rebuilt: number;
  /** Why the whole table was built (no state, another definition...), when it was. */
  why?: string;
}

/** The as-of of the kept state when it can carry customer_features to `asOf`; otherwise why not. */
async function usableState(db: Database, asOf: string): Promise<{ since: string; inputs: string | null } | { why: string }> {
  for (const table of ['features_state_meta', 'features_state', 'customer_features']) {
    if (!(await db.hasTable(table))) return { why: 'no features kept from an earlier run' };
  }
  // inputs_print: absent from a state kept before it was (never unchanged then).
  const meta = await db.one<{ as_of: string; definition: string; n: number; h: string; inputs_print?: string }>(
    'SELECT CAST(as_of AS VARCHAR) AS as_of, definition, features_rows AS n, features_hash AS h, * EXCLUDE (as_of, definition, features_rows, features_hash) FROM features_state_meta');
  if (!meta) return { why: 'no features kept from an earlier run' };
  if (meta.definition !== definition()) return { why: 'the features are defined differently since they were kept' };
  if (meta.as_of > asOf) return { why: `the kept features are as of ${meta.as_of}, after ${asOf}` };
  const money = await db.value<string>(`SELECT data_type FROM duckdb_columns() WHERE database_name = current_database() AND table_name = 'customer_features' AND column_name = 'net_spend'`);
  if (money !== MONEY.replace(' ', '')) return { why: `the kept features' sums of money are ${money}` };
  const now = await db.one<{ n: number; h: string }>(TABLE_PRINT);
  if (Number(now!.n) !== Number(meta.n) || now!.h !== meta.h) return { why: 'customer_features changed since its state was kept' };
  return { since: meta.as_of, inputs: meta.inputs_print ?? null };
}

/**
 * Keeps features_state (the fingerprints of features_next) and its meta for the table just built at `asOf`;
 * `sameFingerprints`: features_state already holds features_next's fingerprints, customer for customer (no row
 * changed since they were kept), and is left as it is rather than written again.
 */
async function keepState(db: Database, asOf: string, sameFingerprints = false): Promise<void> {
  const print = await db.one<{ n: number; h: string }>(TABLE_PRINT);
  if (!sameFingerprints) await db.replaceTablePlainText('features_state', 'SELECT customer_id, order_rows, order_hash, line_rows, line_hash FROM features_next');
  await db.run(`CREATE OR REPLACE TABLE features_state_meta AS SELECT CAST($as_of AS DATE) AS as_of, CAST($definition AS VARCHAR) AS definition,
      CAST($n AS BIGINT) AS features_rows, CAST($h AS VARCHAR) AS features_hash, CAST($inputs AS VARCHAR) AS inputs_print`,
  { as_of: dateParam(asOf), definition: definition(), n: Number(print!.n), h: print!.h, inputs: (await db.value<string>(INPUTS_PRINT))! });
}

/**
 * features_next: the fresh fingerprints (features_fingerprints.sql), rows since `since` counted, and the two
 * windows' sums customer_features does not store; without `since` (a table built from every row), the
 * fingerprints alone (DuckDB leaves the unread sums out).
 */
const fingerprints = (db: Database, asOf: string, since: string | null) =>
  db.run(`CREATE OR REPLACE TEMP TABLE features_next AS SELECT ${since === null ? 'customer_id, order_rows, order_hash, line_rows, line_hash' : '*'}
    FROM (${readSql('features/features_fingerprints.sql')})`, { as_of: dateParam(asOf), since: since === null ? null : dateParam(since) });

const dropTemps = (db: Database) => db.run(`DROP TABLE IF EXISTS features_next; DROP TABLE IF EXISTS features_touched; DROP TABLE IF EXISTS features_carried_next;
  DROP TABLE IF EXISTS features_orders; DROP TABLE IF EXISTS features_lines; DROP TABLE IF EXISTS features_window_changes`);

/**
 * customer_features as of `asOf` (customer_features.sql for every column),
 * carried from the previous run's table where it can be, and the state kept
 * for the next run. Returns the customers and how it was built.
 */
export async function buildCustomerFeatures(db: Database, asOf: string): Promise<FeaturesBuilt> {
  const state = await usableState(db, asOf);
  try {
    if ('since' in state) {
      const kept = await carryFeatures(db, asOf, state.since, state.inputs);
      if (kept) return kept;
    }
    const customers = await buildFeatures(db, asOf);
    await fingerprints(db, asOf, null);
    await keepState(db, asOf);
    return { customers, how: 'full', rebuilt: customers, why: 'why' in state ? state.why : 'a customer\'s sum of money does not fit DECIMAL(18, 2)' };
  } finally {
    await dropTemps(db);
  }
}

/**
 * The previous table carried from `since` to `asOf` (`inputs`: the INPUTS_PRINT it was built with); null where a
 * sum of money does not fit MONEY (the whole table is built then, as wide as it needs).
 */
async function carryFeatures(db: Database, asOf: string, since: string, inputs: string | null): Promise<FeaturesBuilt | null> {
  await fingerprints(db, asOf, since);
  // Rebuilt from their rows: a customer whose rows are not those kept (`changed`), or who has rows dated since.
  await db.run(`CREATE OR REPLACE TEMP TABLE features_touched AS SELECT customer_id, changed FROM (
      SELECT n.customer_id, s.customer_id IS NULL OR n.order_rows IS DISTINCT FROM s.order_rows OR n.order_hash IS DISTINCT FROM s.order_hash
          OR n.line_rows IS DISTINCT FROM s.line_rows OR n.line_hash IS DISTINCT FROM s.line_hash AS changed,
        n.order_rows_since, n.line_rows_since
      FROM features_next n LEFT JOIN features_state s USING (customer_id))
    WHERE changed OR coalesce(order_rows_since, 0) > 0 OR coalesce(line_rows_since, 0) > 0`);
  // The same as-of, every customer's rows as kept (none touched, and none gone: as many as kept) and the same
  // tickets and customers: the table is the one a build gives.
  if (since === asOf && inputs !== null) {
    const same = await db.one<{ same: boolean; customers: number }>(`SELECT
        NOT EXISTS (SELECT 1 FROM features_touched) AND (SELECT count(*) FROM features_next) = (SELECT count(*) FROM features_state)
          AND (${INPUTS_PRINT}) = $inputs AS same,
        (SELECT count(*) FROM customer_features) AS customers`, { inputs });
    if (same!.same) return { customers: Number(same!.customers), how: 'unchanged', rebuilt: 0 };
  }
  // The others, carried, with the two windows features_next computed for them (features_carried.sql joins them: one
  // table the planner knows the size of, instead of their ids and features_next joined apart).
  await db.run(`CREATE OR REPLACE TEMP TABLE features_carried_next AS SELECT customer_id, spend_prev_30d, spend_prev_365d
    FROM features_next ANTI JOIN features_touched USING (customer_id)`);
  // How the stored windows moved since: from the orders at the windows' edges alone, not from every order.
  await db.run(`CREATE OR REPLACE TEMP TABLE features_window_changes AS ${readSql('features/features_window_changes.sql')}`,
    { as_of: dateParam(asOf), since: dateParam(since) });
  await db.run(`CREATE OR REPLACE TEMP TABLE features_orders AS SELECT ${ORDER_COLUMNS} FROM orders WHERE customer_id IN (SELECT customer_id FROM features_touched);
    CREATE OR REPLACE TEMP TABLE features_lines AS SELECT ${LINE_COLUMNS} FROM order_lines WHERE customer_id IN (SELECT customer_id FROM features_touched)`);
  const sources: FeatureSources = { orders: 'features_orders', lines: 'features_lines', tickets: 'tickets' };
  try {
    // customer_features.sql over the rebuilt customers' rows, the carried customers' figures beside theirs.
    const sql = moneySql('features/customer_features.sql', MONEY)
      .replace('/* carried customers */', `UNION ALL BY NAME SELECT * FROM (${readSql('features/features_carried.sql')})`);
    // btyd_features pairs its figures with customer_features' rows by position: gone with the rows it was made for.
    await forgetBtydFeatures(db);
    await db.replaceTablePlainText('customer_features', sql, featureParams(asOf, sources));
  } catch (err) {
    if (moneyOverflow(err)) return null;
    throw err;
  }
  const rebuilt = await db.value<number>('SELECT count(*) FROM customer_features WHERE customer_id IN (SELECT customer_id FROM features_touched)');
  // No customer's rows changed and none is gone (as many as kept): the fingerprints kept are the fresh ones.
  const sameFingerprints = await db.value<boolean>(`SELECT NOT EXISTS (SELECT 1 FROM features_touched WHERE changed)
    AND (SELECT count(*) FROM features_next) = (SELECT count(*) FROM features_state)`);
  await keepState(db, asOf, sameFingerprints === true);
  return { customers: await db.value<number>('SELECT count(*) FROM customer_features'), how: 'kept', rebuilt };
}
