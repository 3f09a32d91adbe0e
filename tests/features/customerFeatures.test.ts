import { describe, expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { buildFeatures } from '../../pipeline/features/buildFeatures.js';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const AS_OF = '2025-06-30';

const ORDERS = [
  'order_id,customer_id,order_ts,amount,currency,category,channel,discount_used',
  'O1,A,2025-01-10T09:00:00Z,100.00,USD,books,web,true',
  'O2,A,2025-03-01T10:00:00Z,50.00,USD,music,web,false',
  'O3,A,2025-03-01T18:00:00Z,30.00,USD,books,app,false',
  'R1,A,2025-03-05T12:00:00Z,-20.00,USD,books,web,',
  'O4,A,2025-06-10T08:00:00Z,70.00,USD,toys,app,true',
  'B1,B,2025-06-30T23:00:00Z,10.00,USD,,,',
  'D1,D,2025-05-01T00:00:00Z,-5.00,USD,,,',
];
const LATER_ORDERS = [
  'O5,A,2025-07-15T09:00:00Z,999.00,USD,garden,store,true',
  'C1,C,2025-07-01T09:00:00Z,20.00,USD,books,web,false',
  'D2,D,2025-08-01T00:00:00Z,50.00,USD,books,web,false',
];
const TICKETS = [
  'ticket_id,customer_id,opened_ts,kind,resolved',
  'T1,A,2025-05-01T10:00:00Z,complaint,false',
  'T2,A,2025-06-20T10:00:00Z,question,true',
  'T3,A,2024-12-01T10:00:00Z,complaint,true',
];
const LATER_TICKETS = ['T4,A,2025-07-01T10:00:00Z,complaint,false'];
const CUSTOMERS = ['customer_id,signup_date,birth_date,country,acquisition_channel', 'A,2024-12-31,1990-07-01,ES,organic'];

async function featuresOf(db: Database, dir: string, orders: string[], tickets: string[]) {
  await ingestInputs(db, {
    orders: [writeFile(dir, 'orders.csv', orders.join('\n') + '\n')],
    tickets: [writeFile(dir, 'tickets.csv', tickets.join('\n') + '\n')],
    customers: [writeFile(dir, 'customers.csv', CUSTOMERS.join('\n') + '\n')],
  }, { runId: 'r', runTime: new Date('2026-01-01T00:00:00Z'), currency: 'USD', delimiter: ',', columns: { orders: {}, customers: {}, tickets: {} } }, silentLogger);
  await buildFeatures(db, AS_OF);
  return db.all('SELECT * EXCLUDE (as_of, first_order_date, last_order_date), CAST(first_order_date AS VARCHAR) AS first_order_date, CAST(last_order_date AS VARCHAR) AS last_order_date FROM customer_features ORDER BY customer_id');
}

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
    });
    expect(a.gap_std_days as number).toBeCloseTo(Math.sqrt(((50 - 75.5) ** 2 + (101 - 75.5) ** 2) / 1), 10);
    expect(a.overdue_ratio as number).toBeCloseTo(20 / 75.5, 12);
    expect(a.trend_90d as number).toBeCloseTo(Math.log(71 / 161), 12);

    expect(rows[1]).toMatchObject({
      customer_id: 'B', recency_days: 0, tenure_days: 0, orders_count: 1, purchase_days: 1, net_spend: 10,
      gap_mean_days: null, gap_std_days: null, days_overdue: null, overdue_ratio: null, discount_share: null,
      preferred_channel: null, category_count: 0, tickets_365d: 0, complaints_90d: 0, unresolved_complaints: 0,
      days_since_last_complaint: null, age_years: null, signup_tenure_days: null, country: null,
    });
  });

  test('features as of D are identical whether or not later rows are in the database', async () => {
    const without = await withTempDir((dir) => withDb((db) => featuresOf(db, dir, ORDERS, TICKETS)));
    const withLater = await withTempDir((dir) => withDb((db) => featuresOf(db, dir, [...ORDERS, ...LATER_ORDERS], [...TICKETS, ...LATER_TICKETS])));
    expect(withLater).toEqual(without);
  });
});

describe('training snapshots', () => {
  test('the plan holds out the latest full horizon and steps training cutoffs back without overlap', async () => {
    const { planSnapshots } = await import('../../pipeline/features/buildFeatures.js');
    expect(planSnapshots({ asOf: '2025-09-30', horizonDays: 90, count: 3, spacingDays: 30 }, '2024-01-01')).toEqual({
      holdoutCutoff: '2025-07-02',
      trainCutoffs: ['2025-04-03', '2025-03-04', '2025-02-02'],
    });
    // Cutoffs on or before the first order are dropped.
    expect(planSnapshots({ asOf: '2025-09-30', horizonDays: 90, count: 3, spacingDays: 30 }, '2025-03-04').trainCutoffs).toEqual(['2025-04-03']);
  });

  test('labels count what each customer did in (cutoff, cutoff + horizon]', async () => {
    const { buildSnapshots } = await import('../../pipeline/features/buildFeatures.js');
    const rows = await withTempDir((dir) =>
      withDb(async (db) => {
        await featuresOf(db, dir, [...ORDERS, ...LATER_ORDERS], TICKETS);
        await buildSnapshots(db, { holdoutCutoff: AS_OF, trainCutoffs: ['2025-03-01'] }, 30);
        return db.all(`SELECT CAST(as_of AS VARCHAR) AS cutoff, split, customer_id, future_orders, future_spend, churned, recency_days
          FROM training_snapshots ORDER BY cutoff, customer_id`);
      }),
    );
    expect(rows).toEqual([
      // As of 03-01: A bought that day (recency 0); in (03-01, 03-31] only a refund: no purchase, churned.
      { cutoff: '2025-03-01', split: 'train', customer_id: 'A', future_orders: 0, future_spend: -20, churned: true, recency_days: 0 },
      // As of 06-30: A buys O5 on 07-15; B buys nothing; C's first order (07-01) is a label, not a customer yet.
      { cutoff: '2025-06-30', split: 'holdout', customer_id: 'A', future_orders: 1, future_spend: 999, churned: false, recency_days: 20 },
      { cutoff: '2025-06-30', split: 'holdout', customer_id: 'B', future_orders: 0, future_spend: 0, churned: true, recency_days: 0 },
    ]);
  });
});
