import { expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { buildCustomerFeatures } from '../../pipeline/features/featuresState.js';
import { buildKpis } from '../../pipeline/publish/buildKpis.js';
import { withDb } from '../helpers/withDb.js';

/**
 * The purchase days kpis_monthly counts from (kpisCustomerDays.ts), carried
 * from one run to the next, are each customer's days as the orders give them
 * at the new as-of, and kpis_monthly is figure for figure the one built from
 * every order: across what a day and a month bring (new customers, a late
 * order for an earlier day, a refund, a purchase corrected into a refund, a
 * deleted order, a customer whose every order is deleted, orders dated after
 * the last as-of that the new one reaches, guests).
 */

type Order = { id: string; c: string | null; d: string; a: number };
const PARAMS = { horizonDays: 60, currency: 'EUR', cmgrMonths: 12 };
const day = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** 150 customers over two years, several orders a day, refunds, guests, a few orders dated after the first as-of. */
function history(): Order[] {
  const orders: Order[] = [];
  let seed = 23;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let c = 0; c < 150; c++) {
    let d = Math.floor(rand() * 300);
    while (d < 760) {
      const n = rand() < 0.25 ? 2 : 1;
      for (let k = 0; k < n; k++) orders.push({ id: `${c}-${d}-${k}`, c: `C${c}`, d: day('2024-01-01', d), a: 10 + k });
      if (rand() < 0.1) orders.push({ id: `${c}-${d}-r`, c: `C${c}`, d: day('2024-01-01', d + 2), a: -4 });
      if (rand() < 0.1) orders.push({ id: `g-${c}-${d}`, c: null, d: day('2024-01-01', d + 1), a: 7 });
      d += 1 + Math.floor(rand() * (c % 2 ? 30 : 100));
    }
  }
  // A customer with a refund alone (no purchase day), and one whose only order is dated after the first as-of
  // (no purchase day until a later as-of reaches it).
  orders.push({ id: 'r-only', c: 'R1', d: '2025-03-01', a: -5 }, { id: 'later-only', c: 'L1', d: '2025-10-20', a: 15 });
  return orders;
}

const insert = (db: Database, orders: Order[]) => db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
  SELECT id, c, CAST(d AS TIMESTAMPTZ), CAST(d AS DATE), a FROM (VALUES ${orders.map((o) => `('${o.id}', ${o.c === null ? 'NULL' : `'${o.c}'`}, '${o.d}', ${o.a})`).join(', ')}) t(id, c, d, a)`);

/** Each customer's distinct purchase days on or before `asOf`, counted here from the orders, not by the query. */
async function expectedDays(db: Database, asOf: string): Promise<Record<string, string[]>> {
  const rows = await db.all<{ c: string; d: string; a: number }>('SELECT customer_id AS c, CAST(order_date AS VARCHAR) AS d, CAST(amount AS DOUBLE) AS a FROM orders');
  const days: Record<string, string[]> = {};
  for (const r of rows) if (r.c !== null && r.a >= 0 && r.d <= asOf) days[r.c] = [...new Set([...(days[r.c] ?? []), r.d])].sort();
  return days;
}

async function keptDays(db: Database): Promise<Record<string, string[]>> {
  const rows = await db.all<{ c: string; days: string[] }>('SELECT customer_id AS c, list_transform(days, d -> CAST(d AS VARCHAR)) AS days FROM kpis_customer_days WHERE days IS NOT NULL');
  return Object.fromEntries(rows.map((r) => [r.c, [...r.days]]));
}

/** customer_scores as kpis_monthly and kpis_by_group read it: every fourth customer a VIP (`vips`). */
const scores = (db: Database, vips: boolean) => db.run(`CREATE TABLE customer_scores AS SELECT DISTINCT customer_id,
  ${vips ? 'CAST(substr(customer_id, 2) AS INTEGER) % 4 = 0' : 'false'} AS is_vip, 1 AS value_tier, 'x' AS segment, 0.0 AS historic_value,
  0 AS days_since_last_order, 0.0 AS churn_probability, 0.0 AS predicted_clv_12m, 0.0 AS value_at_risk FROM orders WHERE customer_id IS NOT NULL`);

const kpis = (db: Database) => db.all('SELECT * FROM kpis_monthly ORDER BY month');

/** kpis_monthly at `asOf` with every customer's days built from the orders, the kept state set aside and put back. */
async function fromEveryOrder(db: Database, asOf: string) {
  await db.run('CREATE TEMP TABLE saved_days AS SELECT * FROM kpis_customer_days; CREATE TEMP TABLE saved_meta AS SELECT * FROM kpis_state_meta; DROP TABLE kpis_state_meta');
  const built = await buildKpis(db, asOf, PARAMS, 'features_state');
  expect(built.days.how).toBe('full');
  const rows = await kpis(db);
  // The same figures from days built without the fingerprints (no customer without a purchase day kept then).
  expect((await buildKpis(db, asOf, PARAMS)).days.how).toBe('full');
  expect(await kpis(db)).toEqual(rows);
  const days = await keptDays(db);
  await db.run(`CREATE OR REPLACE TABLE kpis_customer_days AS SELECT * FROM saved_days; CREATE OR REPLACE TABLE kpis_state_meta AS SELECT * FROM saved_meta;
    DROP TABLE saved_days; DROP TABLE saved_meta`);
  return { rows, days };
}

test('carried purchase days equal those of every order, and kpis_monthly the one built from them: a first run, the same day, a day of changes, a month later', async () => {
  await withDb(async (db) => {
    await insert(db, history());
    await scores(db, true);

    // First run: every customer's days from the orders, kept with the fingerprints.
    await buildCustomerFeatures(db, '2025-09-30');
    const first = await buildKpis(db, '2025-09-30', PARAMS, 'features_state');
    expect(first.days).toMatchObject({ how: 'full', why: 'no purchase days kept from an earlier run' });
    expect(await keptDays(db)).toEqual(await expectedDays(db, '2025-09-30'));
    const firstRows = await kpis(db);

    // The same day again, nothing changed: nothing rebuilt, the same figures.
    await buildCustomerFeatures(db, '2025-09-30');
    const same = await buildKpis(db, '2025-09-30', PARAMS, 'features_state');
    expect(same.days).toEqual({ how: 'unchanged', rebuilt: 0 });
    expect(await kpis(db)).toEqual(firstRows);

    // A day of changes: a new customer, a late order for an earlier day, a refund, a purchase corrected into a
    // refund, a deleted order, a customer whose every order is deleted, a guest's order.
    const late = await db.value<string>(`SELECT min(customer_id) FROM orders WHERE customer_id LIKE 'C1%'`);
    const corrected = await db.one<{ id: string; c: string }>(`SELECT order_id AS id, customer_id AS c FROM orders WHERE customer_id = 'C20' AND amount > 0 ORDER BY order_date LIMIT 1`);
    const deleted = await db.one<{ id: string; c: string }>(`SELECT order_id AS id, customer_id AS c FROM orders WHERE customer_id = 'C31' AND amount > 0 ORDER BY order_date DESC LIMIT 1`);
    await insert(db, [
      { id: 'new-1', c: 'N1', d: '2025-10-01', a: 30 }, { id: 'new-2', c: 'N1', d: '2025-10-01', a: 5 },
      { id: 'late-1', c: late, d: '2024-07-15', a: 12 }, { id: 'ref-1', c: 'C40', d: '2025-10-01', a: -6 },
      { id: 'guest-1', c: null, d: '2025-10-01', a: 9 },
    ]);
    await db.run(`UPDATE orders SET amount = -amount WHERE order_id = '${corrected!.id}'; DELETE FROM orders WHERE order_id = '${deleted!.id}';
      DELETE FROM orders WHERE customer_id = 'C50'`);
    await buildCustomerFeatures(db, '2025-10-01');
    // Rebuilt: the five changed (C50 gone, the refund's C40 though its days are the same) and everyone who bought on 2025-10-01.
    const boughtSince = await db.all<{ c: string }>(`SELECT DISTINCT customer_id AS c FROM orders WHERE amount >= 0 AND order_date = DATE '2025-10-01' AND customer_id IS NOT NULL`);
    const touched = new Set(['N1', late, 'C40', corrected!.c, deleted!.c, 'C50', ...boughtSince.map((r) => r.c)]);
    const daily = await buildKpis(db, '2025-10-01', PARAMS, 'features_state');
    expect(daily.days).toEqual({ how: 'kept', rebuilt: touched.size });
    const dailyRows = await kpis(db);
    const dailyDays = await keptDays(db);
    expect(dailyDays).toEqual(await expectedDays(db, '2025-10-01'));
    expect(dailyDays.C50).toBeUndefined();
    expect(dailyDays.N1).toEqual(['2025-10-01']);
    expect({ rows: dailyRows, days: dailyDays }).toEqual(await fromEveryOrder(db, '2025-10-01'));
    expect(dailyRows).not.toEqual(firstRows);

    // A month later: the orders dated after 2025-10-01 that the history already held are reached now.
    const reached = await db.value<number>(`SELECT count(DISTINCT customer_id) FROM orders WHERE amount >= 0 AND order_date > DATE '2025-10-01' AND order_date <= DATE '2025-11-05'`);
    expect(reached).toBeGreaterThan(10);
    await buildCustomerFeatures(db, '2025-11-05');
    const month = await buildKpis(db, '2025-11-05', PARAMS, 'features_state');
    expect(month.days).toEqual({ how: 'kept', rebuilt: reached });
    expect(await keptDays(db)).toEqual(await expectedDays(db, '2025-11-05'));
    expect((await keptDays(db)).L1).toEqual(['2025-10-20']);
    expect((await keptDays(db)).R1).toBeUndefined();
    expect({ rows: await kpis(db), days: await keptDays(db) }).toEqual(await fromEveryOrder(db, '2025-11-05'));
  });
});

test('every customer\'s days are built from the orders without fingerprints, from a state of a later as-of, of another definition, or cut short', async () => {
  await withDb(async (db) => {
    await insert(db, history());
    await scores(db, false);
    // Outside a run, no fingerprints: built from the orders and not kept for carrying.
    await buildCustomerFeatures(db, '2025-09-30');
    expect((await buildKpis(db, '2025-09-30', PARAMS)).days).toMatchObject({ how: 'full', why: 'no fingerprints of the customers\' orders to compare with' });
    await buildCustomerFeatures(db, '2025-10-31');
    expect((await buildKpis(db, '2025-10-31', PARAMS, 'features_state')).days).toMatchObject({ how: 'full', why: 'no purchase days kept from an earlier run' });
    await buildCustomerFeatures(db, '2025-10-15');
    expect((await buildKpis(db, '2025-10-15', PARAMS, 'features_state')).days).toMatchObject({ how: 'full', why: 'the kept purchase days are as of 2025-10-31, after 2025-10-15' });
    expect(await keptDays(db)).toEqual(await expectedDays(db, '2025-10-15'));
    await db.run(`UPDATE kpis_state_meta SET definition = 'older'`);
    expect((await buildKpis(db, '2025-10-15', PARAMS, 'features_state')).days).toMatchObject({ how: 'full', why: 'the purchase days are defined differently since they were kept' });
    // A run stopped while it replaced customers' days leaves no meta: the next builds them all.
    await db.run('DROP TABLE kpis_state_meta');
    expect((await buildKpis(db, '2025-10-15', PARAMS, 'features_state')).days).toMatchObject({ how: 'full', why: 'no purchase days kept from an earlier run' });
    expect(await keptDays(db)).toEqual(await expectedDays(db, '2025-10-15'));
  });
});
