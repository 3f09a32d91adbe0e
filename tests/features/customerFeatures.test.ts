import { describe, expect, test } from 'vitest';
import { ALL_ROWS, MONEY, WIDE_MONEY, buildFeatures, featureParams } from '../../pipeline/features/customerFeatures.js';
import { AS_OF, LATER_ORDERS, LATER_TICKETS, ORDERS, TICKETS, featuresOf, loadHistory } from '../helpers/handHistory.js';
import { withDb, withTempDir } from '../helpers/withDb.js';

describe('customer_features on a hand-made history', () => {
  test('every feature has the value computed by hand', async () => {
    const rows = await withTempDir((dir) => withDb((db) => featuresOf(db, dir, ORDERS, TICKETS)));
    expect(rows.map((r) => r.customer_id)).toEqual(['A', 'B']); // C starts after as-of; D never purchased by then
    const a = rows[0]!;
    // Purchase days 2025-01-10, 03-01 (two orders), 06-10; a refund on 03-05.
    expect(a).toMatchObject({
      first_order_date: '2025-01-10',
      last_order_date: '2025-06-10',
      recency_days: 20,
      tenure_days: 171,
      orders_count: 4,
      purchase_days: 3,
      net_spend: 230,
      gross_spend: 250,
      avg_order_value: 62.5,
      max_order_value: 100,
      gap_mean_days: 75.5, // (50 + 101) / 2
      days_overdue: 20 - 75.5,
      orders_30d: 1, orders_90d: 1, orders_180d: 4, orders_365d: 4,
      spend_30d: 70, spend_90d: 70, spend_180d: 230, spend_365d: 230,
      orders_prev_90d: 3,
      spend_prev_90d: 160, // 100 + 50 + 30 - 20 in (01-01, 04-01]
      mom_spend_change: null, // nothing in (05-01, 05-31]
      yoy_spend_change: null,
      refund_count: 1,
      refunded_value: 20,
      refund_rate: 0.25,
      discount_share: 0.5,
      category_count: 3,
      preferred_channel: 'app', // web 2, app 2: the tie goes alphabetically
      tickets_365d: 3,
      complaints_90d: 1,
      complaints_365d: 2,
      unresolved_complaints: 1,
      days_since_last_complaint: 60,
      age_years: 34, // born 1990-07-01: turns 35 the day after as-of
      signup_tenure_days: 181,
      country: 'ES',
      // 01-10 a Friday, 03-01 a Saturday (two orders: one day), 06-10 a Tuesday
      weekend_share: 1 / 3,
      top_category: 'books', // books 2 purchases (the books refund not one), music 1, toys 1
      repeat_purchase_spend: 150, // 50 + 30 on 03-01 and 70 on 06-10: purchases after the first day, the refund not deducted
      repeat_refunds: -20, // the refund on 03-05, after the first purchase day (01-10)
    });
    expect(a.gap_std_days as number).toBeCloseTo(Math.sqrt(((50 - 75.5) ** 2 + (101 - 75.5) ** 2) / 1), 10);
    expect(a.overdue_ratio as number).toBeCloseTo(20 / 75.5, 12);
    expect(a.trend_90d as number).toBeCloseTo(Math.log(71 / 161), 12);

    expect(rows[1]).toMatchObject({
      customer_id: 'B', recency_days: 0, tenure_days: 0, orders_count: 1, purchase_days: 1, net_spend: 10,
      gap_mean_days: null, gap_std_days: null, days_overdue: null, overdue_ratio: null, discount_share: null,
      preferred_channel: null, category_count: 0, tickets_365d: 0, complaints_90d: 0, unresolved_complaints: 0,
      days_since_last_complaint: null, age_years: null, signup_tenure_days: null, country: null,
      weekend_share: 0, top_category: null, // 06-30 a Monday; no category recorded
      repeat_purchase_spend: 0, // one purchase day
      repeat_refunds: 0, // no refund
    });
  });

  test('features as of D are identical whether or not later rows are in the database', async () => {
    const without = await withTempDir((dir) => withDb((db) => featuresOf(db, dir, ORDERS, TICKETS)));
    const withLater = await withTempDir((dir) => withDb((db) => featuresOf(db, dir, [...ORDERS, ...LATER_ORDERS], [...TICKETS, ...LATER_TICKETS])));
    expect(withLater).toEqual(without);
  });
});

describe('the sums of money', () => {
  const MONEY_COLUMNS = ['net_spend', 'gross_spend', 'spend_30d', 'spend_90d', 'spend_180d', 'spend_365d', 'spend_prev_90d', 'refunded_value', 'repeat_purchase_spend', 'repeat_refunds'];
  const types = (db: Parameters<Parameters<typeof withDb>[0]>[0]) => db.all<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'customer_features' AND data_type LIKE 'DECIMAL%' ORDER BY column_index`);

  test("are stored in an order amount's type, DECIMAL(18,2), exactly; a customer's sum beyond it keeps the exact sum's DECIMAL(38,2) for the table, with the same figures", async () => {
    await withTempDir((dir) => withDb(async (db) => {
      await featuresOf(db, dir, ORDERS, TICKETS);
      expect(await types(db)).toEqual([...MONEY_COLUMNS.slice(0, 2).map((c) => ({ column_name: c, data_type: 'DECIMAL(18,2)' })),
        { column_name: 'max_order_value', data_type: 'DECIMAL(18,2)' }, ...MONEY_COLUMNS.slice(2).map((c) => ({ column_name: c, data_type: 'DECIMAL(18,2)' }))]);
      expect(MONEY).toBe('DECIMAL(18, 2)');
    }));
    // W bought twice for 9,000,000,000,000,000.00: each order fits an amount's 16 digits, their sum does not.
    const whale = ['W1,W,2025-03-01T09:00:00Z,9000000000000000.00,USD,art,web,false', 'W2,W,2025-06-01T09:00:00Z,9000000000000000.01,USD,art,web,false'];
    await withTempDir((dir) => withDb(async (db) => {
      const rows = await featuresOf(db, dir, [...ORDERS, ...whale], TICKETS);
      expect((await types(db)).filter((t) => MONEY_COLUMNS.includes(t.column_name)).map((t) => t.data_type)).toEqual(MONEY_COLUMNS.map(() => WIDE_MONEY.replace(' ', '')));
      const exact = await db.one<Record<string, string>>(`SELECT CAST(net_spend AS VARCHAR) AS net, CAST(spend_180d AS VARCHAR) AS s180, CAST(spend_90d AS VARCHAR) AS s90 FROM customer_features WHERE customer_id = 'W'`);
      expect(exact).toEqual({ net: '18000000000000000.01', s180: '18000000000000000.01', s90: '9000000000000000.01' });
      // everyone else's figures are the ones of the narrow table
      expect(rows.find((r) => r.customer_id === 'A')).toMatchObject({ net_spend: 230, gross_spend: 250, spend_prev_90d: 160, refunded_value: 20 });
    }));
  });
});

describe('the sources a feature query reads', () => {
  test('a copy holding some customers\' rows gives those customers the same features as the whole tables', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      await loadHistory(db, dir, ORDERS, TICKETS);
      expect(featureParams(AS_OF)).toMatchObject({ orders: 'orders', lines: 'order_lines', tickets: 'tickets' });
      // A and B: D has a refund only, so is not a customer yet.
      expect(await buildFeatures(db, AS_OF, ALL_ROWS)).toBe(2);
      await db.run(`CREATE TEMP TABLE a_orders AS SELECT * FROM orders WHERE customer_id = 'A';
        CREATE TEMP TABLE a_tickets AS SELECT * FROM tickets WHERE customer_id = 'A'`);
      expect(await buildFeatures(db, AS_OF, { orders: 'a_orders', lines: 'order_lines', tickets: 'a_tickets' }, 'a_features')).toBe(1);
      const whole = await db.all(`SELECT * FROM customer_features WHERE customer_id = 'A'`);
      expect(await db.all('SELECT * FROM a_features')).toEqual(whole);
    }));
  });
});
