import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { buildFeatures } from '../../pipeline/features/customerFeatures.js';
import { buildCustomerFeatures } from '../../pipeline/features/featuresState.js';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';
import { TEST_INGEST } from '../helpers/handHistory.js';
import { writeFile } from '../helpers/withDb.js';

/**
 * customer_features carried from one run to the next (featuresState.ts) is
 * the table customer_features.sql builds from every row at the same as-of:
 * the same rows in the same order, every value and every column type, across
 * what a day brings (new customers, refunds, a late order for an earlier
 * day, a corrected and a deleted order, order lines, tickets, a customer's
 * changed country) and across a month in which every window moves.
 */

/** customer_features.sql at `asOf` from every row, into a temp table: the reference. */
async function reference(db: Database, asOf: string) {
  await buildFeatures(db, asOf, undefined, 'reference_features');
  const rows = await db.all('SELECT * FROM reference_features ORDER BY customer_id');
  const types = await db.all('SELECT column_name, column_type FROM (DESCRIBE reference_features)');
  await db.run('DROP TABLE reference_features');
  return { rows, types };
}

async function carried(db: Database) {
  return {
    rows: await db.all('SELECT * FROM customer_features'),
    types: await db.all('SELECT column_name, column_type FROM (DESCRIBE customer_features)'),
  };
}

/** The customers with a row (order or line) dated in (from, to]: those a carried build must rebuild whatever else. */
const datedIn = (db: Database, from: string, to: string) => db.value<number>(`SELECT count(DISTINCT customer_id) FROM (
  SELECT customer_id FROM orders WHERE order_date > CAST($1 AS DATE) AND order_date <= CAST($2 AS DATE)
  UNION ALL SELECT customer_id FROM order_lines WHERE order_date > CAST($1 AS DATE) AND order_date <= CAST($2 AS DATE))`, [from, to]);

describe('customer_features carried from the previous run', () => {
  let base: DemoBase;
  beforeAll(async () => {
    base = await demoBase(400, 11, '2026-08-31');
  }, 60_000);
  afterAll(() => base.close());

  test('equals the table built from every row: a first build, the same day again, a month later after a day of changes, then one more day', async () => {
    const { db, dir } = base;
    // No state kept yet (demoBase built customer_features without it): built from every row, the state kept.
    const first = await buildCustomerFeatures(db, '2026-08-31');
    expect(first).toMatchObject({ how: 'full', why: 'no features kept from an earlier run' });
    expect(await carried(db)).toEqual(await reference(db, '2026-08-31'));

    // The same as-of again, nothing changed: the table as it is.
    const again = await buildCustomerFeatures(db, '2026-08-31');
    expect(again).toMatchObject({ how: 'unchanged', rebuilt: 0, customers: first.customers });
    expect(await carried(db)).toEqual(await reference(db, '2026-08-31'));

    // What a day's export and the shop's corrections bring.
    // Customers of several orders and none dated after the kept as-of: what changes them is the change itself.
    const someone = async (offset: number) => (await db.value<string>(`SELECT customer_id FROM customer_features WHERE orders_count >= 2 AND customer_id NOT IN (
      SELECT customer_id FROM orders WHERE customer_id IS NOT NULL AND order_date > DATE '2026-08-31') ORDER BY hash(customer_id) LIMIT 1 OFFSET ${offset}`))!;
    const [late, refunded, corrected, deleted, lined, complained, moved] = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(someone));
    writeFile(dir, 'day.csv', [
      'order_id,customer_id,order_ts,amount,currency,category,channel,discount_used',
      `L1,${late},2026-03-07T10:00:00Z,41.50,USD,garden,store,false`, // a late order for an earlier day (a Saturday)
      `R1,${refunded},2026-09-03T12:00:00Z,-25.00,USD,books,web,`, // a refund
      'N1,NEW1,2026-09-02T09:00:00Z,19.99,USD,toys,app,true', // a new customer
      'N2,NEW1,2026-09-02T18:00:00Z,5.00,USD,toys,app,false', // twice the same day
      'N3,NEW2,2026-09-30T23:30:00Z,250.00,USD,,web,', // a new customer on the as-of day, no category
      'G1,,2026-09-04T09:00:00Z,12.00,USD,books,web,false', // a guest: no customer's
    ].join('\n') + '\n');
    await ingestInputs(db, { orders: [`${dir}/day.csv`] }, { ...TEST_INGEST, runId: 'day', runTime: new Date('2026-11-02T00:00:00Z') }, silentLogger);
    await db.run(`UPDATE orders SET amount = amount + 10 WHERE order_id = (SELECT min(order_id) FROM orders WHERE customer_id = $1)`, [corrected]);
    await db.run(`DELETE FROM orders WHERE order_id = (SELECT max(order_id) FROM orders WHERE customer_id = $1 AND order_date <= DATE '2026-08-31')`, [deleted]);
    await db.run(`INSERT INTO order_lines (order_id, customer_id, order_ts, order_date, product_id, product_name, category, quantity, unit_price, amount)
      SELECT order_id, customer_id, order_ts, order_date, 'P1', 'lamp', 'home', 3, 10, 30 FROM orders WHERE customer_id = $1 ORDER BY order_id LIMIT 1`, [lined]);
    await db.run(`INSERT INTO tickets (ticket_id, customer_id, opened_ts, opened_date, kind, resolved) VALUES ('TX', $1, TIMESTAMPTZ '2026-09-10 10:00:00Z', DATE '2026-09-10', 'complaint', false)`, [complained]);
    await db.run(`UPDATE customers SET country = 'PT' WHERE customer_id = $1`, [moved]);

    // A month later: every window moved; rebuilt are the customers with changed rows or rows dated since.
    // BG/NBD's view of the last table (btyd_features, paired with its rows by position) goes with it.
    await db.run(`CREATE TABLE btyd_features__figures (btyd_p_alive DOUBLE); CREATE VIEW btyd_features AS
      SELECT f.customer_id, g.btyd_p_alive FROM customer_features f POSITIONAL JOIN btyd_features__figures g`);
    const month = await buildCustomerFeatures(db, '2026-09-30');
    expect(await db.isView('btyd_features')).toBe(false);
    expect(await db.isTable('btyd_features__figures')).toBe(false);
    const since = await datedIn(db, '2026-08-31', '2026-09-30');
    expect(month.how).toBe('kept');
    // late, corrected, deleted, lined changed rows dated before; refunded, NEW1, NEW2 are among those with rows since.
    const changedBefore = await db.value<number>(`SELECT count(*) FROM (VALUES ($1), ($2), ($3), ($4)) v(c) WHERE c NOT IN (
      SELECT customer_id FROM orders WHERE customer_id IS NOT NULL AND order_date > DATE '2026-08-31' AND order_date <= DATE '2026-09-30')`, [late, corrected, deleted, lined]);
    expect(changedBefore).toBe(4); // none of them bought since
    expect(month.rebuilt).toBe(since + changedBefore);
    expect(month.rebuilt).toBeLessThan(month.customers);
    const want = await reference(db, '2026-09-30');
    const got = await carried(db);
    expect(got.types).toEqual(want.types);
    expect(got.rows).toEqual(want.rows);
    const row = (id: string) => got.rows.find((r) => r.customer_id === id)!;
    // The changes are in it: the new customers, the complaint and the country of customers kept from the last run.
    expect(row('NEW1')).toMatchObject({ orders_count: 2, purchase_days: 1 });
    expect(row(complained)).toMatchObject({ complaints_90d: expect.any(Number) });
    expect(Number(row(complained).complaints_90d)).toBeGreaterThanOrEqual(1);
    expect(row(moved).country).toBe('PT');

    // One more day: the same again.
    writeFile(dir, 'day2.csv', ['order_id,customer_id,order_ts,amount,currency,category,channel,discount_used', `D1,${moved},2026-10-01T08:00:00Z,30.00,USD,books,web,false`].join('\n') + '\n');
    await ingestInputs(db, { orders: [`${dir}/day2.csv`] }, { ...TEST_INGEST, runId: 'day2', runTime: new Date('2026-11-03T00:00:00Z') }, silentLogger);
    const day = await buildCustomerFeatures(db, '2026-10-01');
    expect(day).toMatchObject({ how: 'kept', rebuilt: 1 });
    expect(await carried(db)).toEqual(await reference(db, '2026-10-01'));

    // Runs months apart with no new row: every window moves by more than its own length, some rows enter and leave
    // the windows between the runs (the rows at the windows' edges moved them; no customer is rebuilt). No customer's
    // rows changed either: the kept fingerprints are left as they are, not written again (the same table).
    const stateTable = () => db.value<number>(`SELECT table_oid FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'features_state'`);
    const keptTable = await stateTable();
    for (const later of ['2027-01-20', '2027-12-01']) {
      const built = await buildCustomerFeatures(db, later);
      expect(await stateTable()).toBe(keptTable);
      expect(built).toMatchObject({ how: 'kept', rebuilt: 0 });
      const want = await reference(db, later);
      expect(await carried(db)).toEqual(want);
      // Not empty windows alike: in January the last year holds purchases, in December the year before it does.
      expect(want.rows.some((r) => Number(r.orders_365d) > 0)).toBe(later === '2027-01-20');
      expect(want.rows.some((r) => r.yoy_spend_change !== null)).toBe(true);
    }
    // Those runs left the kept fingerprints as they were (no row changed): a change after them is still seen, and
    // only its customer is rebuilt.
    const state = 'SELECT customer_id, order_rows, order_hash, line_rows, line_hash FROM features_state ORDER BY customer_id';
    const kept = await db.all(state);
    await db.run(`UPDATE orders SET amount = amount + 1 WHERE order_id = (SELECT min(order_id) FROM orders WHERE customer_id = $1)`, [late]);
    const changed = await buildCustomerFeatures(db, '2027-12-02');
    expect(changed).toMatchObject({ how: 'kept', rebuilt: 1 });
    expect(await stateTable()).not.toBe(keptTable);
    expect(await carried(db)).toEqual(await reference(db, '2027-12-02'));
    const now = await db.all(state);
    expect(now.filter((r, i) => JSON.stringify(r) !== JSON.stringify(kept[i])).map((r) => r.customer_id)).toEqual([late]);
  }, 60_000);

  test('is kept as it is at the same as-of only when nothing it reads changed: a ticket, a customer\'s row or a customer\'s orders gone rebuild it', async () => {
    const { db } = base;
    const asOf = '2026-10-01';
    await buildCustomerFeatures(db, asOf);
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'unchanged', rebuilt: 0 });
    const who = async (offset: number) => (await db.value<string>(`SELECT customer_id FROM customer_features ORDER BY hash(customer_id) LIMIT 1 OFFSET ${offset}`))!;

    // A ticket: no customer's orders changed, yet the complaints did.
    const complained = await who(0);
    await db.run(`INSERT INTO tickets (ticket_id, customer_id, opened_ts, opened_date, kind, resolved) VALUES ('TS', $1, TIMESTAMPTZ '2026-09-28 10:00:00Z', DATE '2026-09-28', 'complaint', false)`, [complained]);
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'kept', rebuilt: 0 });
    const want = await reference(db, asOf);
    expect(await carried(db)).toEqual(want);
    expect(Number(want.rows.find((r) => r.customer_id === complained)!.unresolved_complaints)).toBeGreaterThanOrEqual(1);
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'unchanged' });

    // A customer's birth date (their age).
    const born = await who(1);
    await db.run(`UPDATE customers SET birth_date = DATE '1990-09-15' WHERE customer_id = $1`, [born]);
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'kept', rebuilt: 0 });
    const aged = await reference(db, asOf);
    expect(await carried(db)).toEqual(aged);
    expect(Number(aged.rows.find((r) => r.customer_id === born)!.age_years)).toBe(36);

    // Every order of a customer deleted: nobody's fingerprint is new or changed, but one is gone.
    const gone = await who(2);
    const before = (await carried(db)).rows.length;
    await db.run(`DELETE FROM orders WHERE customer_id = $1`, [gone]);
    await db.run(`DELETE FROM order_lines WHERE customer_id = $1`, [gone]);
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'kept', rebuilt: 0, customers: before - 1 });
    expect(await carried(db)).toEqual(await reference(db, asOf));
    expect((await carried(db)).rows.some((r) => r.customer_id === gone)).toBe(false);

    // A state kept before the inputs' fingerprint was: carried, never taken as unchanged.
    await db.run('ALTER TABLE features_state_meta DROP COLUMN inputs_print');
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'kept', rebuilt: 0 });
    expect(await buildCustomerFeatures(db, asOf)).toMatchObject({ how: 'unchanged' });
    expect(await carried(db)).toEqual(await reference(db, asOf));
  }, 60_000);

  test('is built from every row when the kept state does not belong to the table or the as-of goes back', async () => {
    const { db } = base;
    await buildCustomerFeatures(db, '2026-10-01');
    // A table built since by other means (fidelio features at another date): its state is not this table's.
    await buildFeatures(db, '2026-09-15');
    expect(await buildCustomerFeatures(db, '2026-10-01')).toMatchObject({ how: 'full', why: 'customer_features changed since its state was kept' });
    expect(await carried(db)).toEqual(await reference(db, '2026-10-01'));
    // An earlier as-of than the kept one.
    expect(await buildCustomerFeatures(db, '2026-09-20')).toMatchObject({ how: 'full', why: 'the kept features are as of 2026-10-01, after 2026-09-20' });
    expect(await carried(db)).toEqual(await reference(db, '2026-09-20'));
    // A state kept by another definition of the features.
    await db.run(`UPDATE features_state_meta SET definition = 'older'`);
    expect(await buildCustomerFeatures(db, '2026-09-20')).toMatchObject({ how: 'full', why: 'the features are defined differently since they were kept' });
    // And then carried again.
    expect(await buildCustomerFeatures(db, '2026-09-25')).toMatchObject({ how: 'kept' });
    expect(await carried(db)).toEqual(await reference(db, '2026-09-25'));
  }, 60_000);
});
