import { expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { buildFeatures } from '../../pipeline/features/customerFeatures.js';
import { buildKpis } from '../../pipeline/publish/buildKpis.js';
import { withDb } from '../helpers/withDb.js';

/**
 * A small history over a year boundary, every KPI computed by hand below.
 * A: 2024-11-10 100.00, 2024-12-05 50.00, 2025-11-10 120.00
 * B: 2024-12-20 200.00, refund 2025-01-15 -50.00
 * C: 2025-01-20 30.00, 2025-12-01 40.00
 * guests (no customer): 2024-12-02 25.00, 2025-12-03 15.00
 */
async function history(db: Database) {
  await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) SELECT id, c, CAST(d AS TIMESTAMPTZ), CAST(d AS DATE), a FROM (VALUES
    ('1', 'A', '2024-11-10', 100.00), ('2', 'A', '2024-12-05', 50.00), ('3', 'B', '2024-12-20', 200.00),
    ('4', 'B', '2025-01-15', -50.00), ('5', 'C', '2025-01-20', 30.00), ('6', 'A', '2025-11-10', 120.00), ('7', 'C', '2025-12-01', 40.00),
    ('g1', NULL, '2024-12-02', 25.00), ('g2', NULL, '2025-12-03', 15.00)
  ) t(id, c, d, a)`);
  await db.run(`CREATE TABLE customer_scores AS SELECT * FROM (VALUES ('A', true, 1, 'champions', 270.0, 51, 0.3, 100.0, 30.0), ('B', false, 2, 'lost', 150.0, 376, 0.9, 1.0, 0.9),
    ('C', false, 3, 'new', 70.0, 30, 0.5, 20.0, 10.0)) t(customer_id, is_vip, value_tier, segment, historic_value, days_since_last_order, churn_probability, predicted_clv_12m, value_at_risk)`);
}

const select = `SELECT strftime(month, '%Y-%m') AS m, is_partial_month, CAST(revenue AS VARCHAR) AS revenue, CAST(gross_revenue AS VARCHAR) AS gross,
  CAST(refunds AS VARCHAR) AS refunds, CAST(guest_revenue AS VARCHAR) AS guests, orders, customers_active, customers_total, vips_active, vips_total,
  new_customers, churned_customers, churn_rate, mom_growth, yoy_growth, cost, net_profit, currency FROM kpis_monthly ORDER BY month`;

test('monthly KPIs agree with a hand computation, to the cent, guest orders in revenue', async () => {
  const { rows, cmgr } = await withDb(async (db) => {
    await history(db);
    await buildFeatures(db, '2025-12-31');
    const { cmgr } = await buildKpis(db, '2025-12-31', { horizonDays: 90, currency: 'EUR', cmgrMonths: 12, costs: { perOrder: 2, perActiveCustomer: 1, grossMargin: 0.5 } });
    return { rows: await db.all(select), cmgr };
  });
  expect(rows).toHaveLength(14); // 2024-11 to 2025-12
  const at = (m: string) => rows.find((r) => r.m === m)!;
  expect(at('2024-11')).toMatchObject({ revenue: '100.00', orders: 1, customers_active: 1, customers_total: 1, vips_active: 1, vips_total: 1, new_customers: 1, mom_growth: null, currency: 'EUR' });
  // December: the guest's 25.00 counts in revenue and orders, not in customers. The history starts on 2024-11-10:
  // November is not a whole month, so December is not compared with it.
  expect(at('2024-12')).toMatchObject({ revenue: '275.00', guests: '25.00', orders: 3, customers_active: 2, customers_total: 2, new_customers: 1, mom_growth: null });
  // January: C's 30.00 order, and B's refund issued in the month.
  expect(at('2025-01')).toMatchObject({ revenue: '-20.00', gross: '30.00', refunds: '50.00', guests: '0.00', orders: 1, customers_active: 1, customers_total: 3, new_customers: 1 });
  expect(at('2025-01').mom_growth).toBeCloseTo(-20 / 275 - 1, 12);
  expect(at('2025-02')).toMatchObject({ revenue: '0.00', orders: 0, customers_active: 0, customers_total: 3 });
  // Churn needs the 90 days before the month within the history (from 2024-11-10): not measurable in January and
  // February (empty, not 0); March onwards it is.
  expect(at('2025-01')).toMatchObject({ churned_customers: null, churn_rate: null });
  expect(at('2025-02')).toMatchObject({ churned_customers: null, churn_rate: null });
  // A's last purchase day of 2024-12-05 turns 90 days old on 2025-03-05, B's (12-20) on 2025-03-20: both churn in
  // March, out of the 3 customers who bought in the 90 days before March 1; C (01-20) churns on 2025-04-20, out of 1.
  expect(at('2025-03')).toMatchObject({ churned_customers: 2 });
  expect(at('2025-03').churn_rate).toBeCloseTo(2 / 3, 12);
  expect(at('2025-04')).toMatchObject({ churned_customers: 1, churn_rate: 1 });
  expect(at('2025-05')).toMatchObject({ churned_customers: 0, churn_rate: null });
  // November 2025 against November 2024, which the history does not cover whole: no year-over-year figure.
  expect(at('2025-11')).toMatchObject({ revenue: '120.00', mom_growth: null, yoy_growth: null, vips_active: 1 });
  expect(at('2025-12').yoy_growth).toBeCloseTo(55 / 275 - 1, 12);
  expect(at('2025-12').mom_growth).toBeCloseTo(55 / 120 - 1, 12);
  expect(at('2025-12')).toMatchObject({ is_partial_month: false, guests: '15.00', cost: 2 * 2 + 1 * 1, net_profit: 55 * 0.5 - 5 });
  // CMGR over the 12 complete months from 2024-12 (275) to 2025-12 (55).
  expect(cmgr).toMatchObject({ months: 12, from: '2024-12-01', to: '2025-12-01' });
  expect(cmgr!.value).toBeCloseTo(Math.pow(55 / 275, 1 / 12) - 1, 6);
});

test('figures per value tier and per segment agree with a hand computation: the 12 months\' revenue to the cent, refunds in, the window\'s first day, guests and later orders out', async () => {
  const rows = await withDb(async (db) => {
    await history(db);
    // C's order exactly 365 days before as-of (outside the 12 months), A's after as-of (not yet).
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) SELECT id, c, CAST(d AS TIMESTAMPTZ), CAST(d AS DATE), a FROM (VALUES
      ('8', 'C', '2024-12-31', 500.00), ('9', 'A', '2026-01-05', 70.00)) t(id, c, d, a)`);
    await buildFeatures(db, '2025-12-31');
    await buildKpis(db, '2025-12-31', { horizonDays: 90, currency: 'EUR', cmgrMonths: 12 });
    return db.all<Record<string, unknown>>(`SELECT dimension, grp, customers, share_of_customers, CAST(revenue_12m AS VARCHAR) AS revenue_12m, share_of_revenue_12m,
      historic_value, active_90d, vips, mean_churn_probability, predicted_clv_12m, value_at_risk FROM kpis_by_group ORDER BY dimension, grp`);
  });
  // The 12 months to 2025-12-31 are 2025-01-01 to 2025-12-31: A 120.00 (11-10); B -50.00 (the refund of 01-15);
  // C 30.00 + 40.00 (01-20, 12-01), not the 500.00 of 2024-12-31. Everyone: 140.00.
  expect(rows.map((r) => [r.dimension, r.grp, r.customers, r.revenue_12m])).toEqual([
    ['segment', 'champions', 1, '120.00'], ['segment', 'lost', 1, '-50.00'], ['segment', 'new', 1, '70.00'],
    ['value_tier', '1', 1, '120.00'], ['value_tier', '2', 1, '-50.00'], ['value_tier', '3', 1, '70.00'],
  ]);
  const tier = (g: string) => rows.find((r) => r.dimension === 'value_tier' && r.grp === g)!;
  expect(tier('1').share_of_revenue_12m).toBeCloseTo(120 / 140, 12);
  expect(tier('2').share_of_revenue_12m).toBeCloseTo(-50 / 140, 12);
  expect(tier('1')).toMatchObject({ share_of_customers: 1 / 3, historic_value: 270, active_90d: 1, vips: 1, mean_churn_probability: 0.3, predicted_clv_12m: 100, value_at_risk: 30 });
  expect(tier('2')).toMatchObject({ active_90d: 0, vips: 0 });
});

test('a partial month is compared with the same days of the month before and of the year before', async () => {
  const rows = await withDb(async (db) => {
    await history(db);
    await buildFeatures(db, '2025-12-02');
    await buildKpis(db, '2025-12-02', { horizonDays: 90, currency: 'USD', cmgrMonths: 12 });
    return db.all(select);
  });
  const december = rows.at(-1)!;
  // 2025-12-01 to 12-02: C's 40.00 (the guest's 15.00 is on the 3rd, after as-of). November 2025's 1st-2nd: nothing,
  // so no month-over-month figure; December 2024's 1st-2nd: the guest's 25.00.
  expect(december).toMatchObject({ m: '2025-12', is_partial_month: true, revenue: '40.00', mom_growth: null, cost: null });
  expect(december.yoy_growth).toBeCloseTo(40 / 25 - 1, 12);
});

test("churn and its rate agree with a customer-by-customer count on a history of frequent and lapsing buyers, refunds and days with several orders", async () => {
  // 120 customers over two years: some buy every few weeks (never lapse), some lapse for months and come
  // back, several orders on a day, a refund now and then; the rate's base and the churned counted the slow
  // way below, month by month, from the definitions in kpis_monthly.sql.
  const day = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const orders: { id: string; c: string; d: string; a: number }[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let c = 0; c < 120; c++) {
    let d = Math.floor(rand() * 200);
    const gap = c % 3 === 0 ? 20 : c % 3 === 1 ? 70 : 140;
    while (d < 730) {
      const n = rand() < 0.2 ? 2 : 1;
      for (let k = 0; k < n; k++) orders.push({ id: `${c}-${d}-${k}`, c: `C${c}`, d: day('2024-01-01', d), a: 10 + k });
      if (rand() < 0.1) orders.push({ id: `${c}-${d}-r`, c: `C${c}`, d: day('2024-01-01', d + 3), a: -5 });
      d += 1 + Math.floor(rand() * gap * 2);
    }
  }
  const asOf = '2025-12-20';
  const horizon = 90;
  const rows = await withDb(async (db) => {
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) SELECT id, c, CAST(d AS TIMESTAMPTZ), CAST(d AS DATE), a
      FROM (VALUES ${orders.map((o) => `('${o.id}', '${o.c}', '${o.d}', ${o.a})`).join(', ')}) t(id, c, d, a)`);
    await db.run(`CREATE TABLE customer_scores AS SELECT DISTINCT customer_id, false AS is_vip, 1 AS value_tier, 'x' AS segment, 0.0 AS historic_value, 0 AS days_since_last_order,
      0.0 AS churn_probability, 0.0 AS predicted_clv_12m, 0.0 AS value_at_risk FROM orders`);
    await buildFeatures(db, asOf);
    await buildKpis(db, asOf, { horizonDays: horizon, currency: 'EUR', cmgrMonths: 12 });
    return db.all<{ m: string; churned_customers: bigint | null; churn_rate: number | null }>(`SELECT strftime(month, '%Y-%m-%d') AS m, churned_customers, churn_rate FROM kpis_monthly ORDER BY month`);
  });
  // Purchase days per customer (refunds are not purchases; a day with several orders is one day).
  const days = new Map<string, string[]>();
  for (const o of orders) if (o.a >= 0 && o.d <= asOf) days.set(o.c, [...new Set([...(days.get(o.c) ?? []), o.d])].sort());
  const first = orders.filter((o) => o.d <= asOf).map((o) => o.d).sort()[0]!;
  let checked = 0;
  for (const r of rows) {
    const start = r.m;
    const end = day(new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 1)).toISOString().slice(0, 10), -1);
    if (day(start, -horizon) < first) {
      expect(r.churned_customers, start).toBeNull();
      continue;
    }
    let base = 0;
    let churned = 0;
    for (const list of days.values()) {
      if (list.some((d) => d >= day(start, -horizon) && d < start)) base++;
      for (const [i, d] of list.entries()) {
        const churnDay = day(d, horizon);
        const next = list[i + 1];
        if ((next === undefined || next > churnDay) && churnDay <= asOf && churnDay >= start && churnDay <= end) churned++;
      }
    }
    expect(Number(r.churned_customers), start).toBe(churned);
    if (base === 0) expect(r.churn_rate, start).toBeNull();
    else expect(r.churn_rate, start).toBeCloseTo(churned / base, 12);
    checked++;
  }
  expect(checked).toBeGreaterThan(15);
  expect(rows.filter((r) => (r.churn_rate ?? 0) > 0).length).toBeGreaterThan(10);
});

test('active, new and total customers and VIPs per month agree with a customer-by-customer count: several orders a day, refunds, guests, a first purchase after a refund', async () => {
  // 90 customers over two years and a half, every third a VIP; orders on the last and first days of months,
  // several on a day, refunds (not purchases), guests (no customer), and customers whose first row is a refund.
  const day = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const orders: { id: string; c: string | null; d: string; a: number }[] = [];
  let seed = 11;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let c = 0; c < 90; c++) {
    let d = Math.floor(rand() * 400);
    if (c % 10 === 4) orders.push({ id: `${c}-r0`, c: `C${c}`, d: day('2023-06-01', d - 5), a: -7 });
    while (d < 900) {
      const n = rand() < 0.25 ? 3 : 1;
      for (let k = 0; k < n; k++) orders.push({ id: `${c}-${d}-${k}`, c: `C${c}`, d: day('2023-06-01', d), a: 5 + k });
      if (rand() < 0.15) orders.push({ id: `${c}-${d}-r`, c: `C${c}`, d: day('2023-06-01', d + 2), a: -3 });
      if (rand() < 0.2) orders.push({ id: `g-${c}-${d}`, c: null, d: day('2023-06-01', d + 1), a: 9 });
      d += 1 + Math.floor(rand() * (c % 2 ? 25 : 90));
    }
  }
  const asOf = '2025-10-17';
  const vip = (c: string) => Number(c.slice(1)) % 3 === 0;
  const rows = await withDb(async (db) => {
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) SELECT id, c, CAST(d AS TIMESTAMPTZ), CAST(d AS DATE), a
      FROM (VALUES ${orders.map((o) => `('${o.id}', ${o.c === null ? 'NULL' : `'${o.c}'`}, '${o.d}', ${o.a})`).join(', ')}) t(id, c, d, a)`);
    await db.run(`CREATE TABLE customer_scores AS SELECT DISTINCT customer_id, CAST(substr(customer_id, 2) AS INTEGER) % 3 = 0 AS is_vip, 1 AS value_tier, 'x' AS segment,
      0.0 AS historic_value, 0 AS days_since_last_order, 0.0 AS churn_probability, 0.0 AS predicted_clv_12m, 0.0 AS value_at_risk FROM orders WHERE customer_id IS NOT NULL`);
    await buildFeatures(db, asOf);
    await buildKpis(db, asOf, { horizonDays: 60, currency: 'EUR', cmgrMonths: 12 });
    return db.all<Record<string, number | string>>(`SELECT strftime(month, '%Y-%m') AS m, orders, customers_active, vips_active, new_customers, customers_total, vips_total
      FROM kpis_monthly ORDER BY month`);
  });
  const seen = orders.filter((o) => o.d <= asOf);
  const months = [...new Set(seen.map((o) => o.d.slice(0, 7)))].sort();
  expect(rows.map((r) => r.m)).toEqual(months); // every month from the first to as-of's has an order here
  const firstPurchase = new Map<string, string>();
  for (const o of seen) if (o.c && o.a >= 0 && (firstPurchase.get(o.c) ?? '9999') > o.d) firstPurchase.set(o.c, o.d);
  for (const r of rows) {
    const m = String(r.m);
    const buying = new Set(seen.filter((o) => o.c && o.a >= 0 && o.d.startsWith(m)).map((o) => o.c!));
    const firsts = [...firstPurchase].filter(([, d]) => d.slice(0, 7) === m).map(([c]) => c);
    const upTo = [...firstPurchase].filter(([, d]) => d.slice(0, 7) <= m).map(([c]) => c);
    expect({ m, orders: Number(r.orders), active: Number(r.customers_active), vips: Number(r.vips_active), new: Number(r.new_customers), total: Number(r.customers_total), vipsTotal: Number(r.vips_total) }).toEqual({
      m, orders: seen.filter((o) => o.a >= 0 && o.d.startsWith(m)).length, active: buying.size, vips: [...buying].filter(vip).length,
      new: firsts.length, total: upTo.length, vipsTotal: upTo.filter(vip).length,
    });
  }
  expect(rows.filter((r) => Number(r.vips_active) > 0).length).toBeGreaterThan(10);
});
