import { createHash } from 'node:crypto';
import { dateParam, ident, type Database } from '../db/Database.js';
import { readSql, readSqlWith } from '../db/sqlFile.js';

/*
 * kpis_customer_days: each customer's purchase days as of the run
 * (kpis_customer_days.sql), the only thing of the orders that kpis_monthly's
 * per-customer counts read (active, new and churned customers, the churn
 * rate's base). Sorting every order by customer to find each one's days was
 * most of kpis_monthly's time; the lists are kept in the working database
 * from run to run instead, beside the fingerprint of each customer's orders
 * that the features stage computed (features_state: a count and a sum of
 * hashes of the orders' rows, dates and amounts among what they hash), and
 * kpis_state_meta: the as-of they were built at and the definition they were
 * built with.
 *
 * The next run builds again, from their orders, only the customers whose
 * fingerprint is not the one kept (a new order, a refund, a late, corrected
 * or deleted row), who are new or gone, or who bought since the last as-of
 * (an order dated after it was not in their days then). Everyone else's
 * days are their days at the new as-of as well: none of their orders
 * changed and none is dated in between. The table is the one a build from
 * every order gives, list for list (tests/publish/kpisCustomerDays.test.ts),
 * so kpis_monthly is the same figure for figure: the daily run carries work,
 * not a result. Without the fingerprints (buildKpis called outside a run), a
 * state of another definition or a later as-of, every customer's days are
 * built from the orders; the months' sums of money are read from the orders
 * at every run (kpis_monthly.sql): fingerprinting them would cost what
 * summing them does.
 */

/**
 * The lists' definition: another text of their query, or of the fingerprints they are carried by (which must hash
 * every order's date and amount), builds them all again.
 */
const definition = (): string => createHash('sha256').update(readSql('publish/kpis_customer_days.sql'))
  .update('\0').update(readSql('features/features_fingerprints.sql')).digest('hex').slice(0, 16);

const daysSql = (touchedOnly: boolean): string => readSqlWith('publish/kpis_customer_days.sql', '/* touched customers */',
  touchedOnly ? 'AND customer_id IN (SELECT customer_id FROM kpis_touched)' : '');

export interface CustomerDaysBuilt {
  /** 'full': from every order; 'kept': carried, `rebuilt` customers from their orders; 'unchanged': as kept, none rebuilt. */
  how: 'full' | 'kept' | 'unchanged';
  rebuilt: number;
  /** Why every customer's days were built, when they were. */
  why?: string;
}

/** The as-of of kept lists that can be carried to `asOf`; otherwise why not. */
async function usableState(db: Database, asOf: string, prints: string | undefined): Promise<{ since: string } | { why: string }> {
  if (!prints) return { why: 'no fingerprints of the customers\' orders to compare with' };
  if (!(await db.hasTable('kpis_state_meta')) || !(await db.hasTable('kpis_customer_days'))) return { why: 'no purchase days kept from an earlier run' };
  const meta = await db.one<{ as_of: string; definition: string; printed: boolean }>('SELECT CAST(as_of AS VARCHAR) AS as_of, definition, printed FROM kpis_state_meta');
  if (!meta || !meta.printed) return { why: 'no purchase days kept from an earlier run' };
  if (meta.definition !== definition()) return { why: 'the purchase days are defined differently since they were kept' };
  if (meta.as_of > asOf) return { why: `the kept purchase days are as of ${meta.as_of}, after ${asOf}` };
  return { since: meta.as_of };
}

/**
 * kpis_customer_days as of `asOf`, carried from the last run's where it can be. `prints`: the table of each
 * customer's order fingerprint (customer_id, order_rows, order_hash) computed from the orders as they are now
 * (the features stage's features_state); without it the lists are built from every order and not carried.
 */
export async function buildCustomerDays(db: Database, asOf: string, prints?: string): Promise<CustomerDaysBuilt> {
  const state = await usableState(db, asOf, prints);
  const params = { as_of: dateParam(asOf) };
  if ('since' in state) {
    try {
      const p = ident(prints!);
      // Built again from their orders: a customer whose orders are not those kept, who is new or gone, or who bought since.
      await db.run(`CREATE OR REPLACE TEMP TABLE kpis_touched AS
        SELECT customer_id FROM ${p} p FULL JOIN kpis_customer_days k USING (customer_id)
        WHERE p.customer_id IS NULL OR k.customer_id IS NULL
          OR p.order_rows IS DISTINCT FROM k.order_rows OR p.order_hash IS DISTINCT FROM k.order_hash
        UNION
        SELECT customer_id FROM orders WHERE customer_id IS NOT NULL AND amount >= 0 AND order_date > $since AND order_date <= $as_of`,
      { ...params, since: dateParam(state.since) });
      const rebuilt = await db.value<number>('SELECT count(*) FROM kpis_touched');
      if (rebuilt === 0 && state.since === asOf) return { how: 'unchanged', rebuilt: 0 };
      // Without its meta the state is not used: a run stopped in between builds every customer's days next time.
      await db.run('DROP TABLE kpis_state_meta');
      await db.run('DELETE FROM kpis_customer_days WHERE customer_id IN (SELECT customer_id FROM kpis_touched)');
      await db.run(`INSERT INTO kpis_customer_days
          SELECT customer_id, p.order_rows, p.order_hash, d.days
          FROM (SELECT customer_id, order_rows, order_hash FROM ${p} WHERE customer_id IN (SELECT customer_id FROM kpis_touched)) p
          LEFT JOIN (${daysSql(true)}) d USING (customer_id)`, params);
      await keepMeta(db, asOf, true);
      return { how: 'kept', rebuilt };
    } finally {
      await db.run('DROP TABLE IF EXISTS kpis_touched');
    }
  }
  const keys = prints
    ? `SELECT customer_id, p.order_rows, p.order_hash, d.days FROM (SELECT customer_id, order_rows, order_hash FROM ${ident(prints)}) p FULL JOIN (${daysSql(false)}) d USING (customer_id)`
    : `SELECT customer_id, CAST(NULL AS BIGINT) AS order_rows, CAST(NULL AS HUGEINT) AS order_hash, days FROM (${daysSql(false)})`;
  await db.run('DROP TABLE IF EXISTS kpis_state_meta');
  await db.replaceTablePlainText('kpis_customer_days', keys, params);
  await keepMeta(db, asOf, prints !== undefined);
  return { how: 'full', rebuilt: await db.value<number>('SELECT count(*) FROM kpis_customer_days WHERE days IS NOT NULL'), why: state.why };
}

const keepMeta = (db: Database, asOf: string, printed: boolean) => db.run(`CREATE OR REPLACE TABLE kpis_state_meta AS
  SELECT CAST($as_of AS DATE) AS as_of, CAST($definition AS VARCHAR) AS definition, CAST($printed AS BOOLEAN) AS printed`,
{ as_of: dateParam(asOf), definition: definition(), printed });
