import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { aggregateBaselines } from '../../pipeline/train/aggregateBaselines.js';

/** Three customers' orders over two years, a guest, and the holdout's labels, made by hand. */
async function shop(db: Database, firstOrder: string) {
  await db.run(`CREATE TABLE orders (customer_id VARCHAR, order_date DATE, amount DECIMAL(18, 2))`);
  await db.run(`INSERT INTO orders VALUES
    ('a', DATE '${firstOrder}', 5),
    -- the horizon before it a year before the cutoff 2011-09-10: (2010-06-12, 2010-09-10]
    ('a', DATE '2010-07-01', 40), ('b', DATE '2010-09-10', 10),
    -- the same period last year: (2010-09-10, 2010-12-09]
    ('a', DATE '2010-09-11', 30), ('a', DATE '2010-11-01', 30), ('c', DATE '2010-12-09', 20),
    -- the last horizon: (2011-06-12, 2011-09-10]; a refund counts against spend but is no purchase
    ('a', DATE '2011-06-13', 60), ('b', DATE '2011-09-10', 25), ('c', DATE '2011-08-01', -5),
    (NULL, DATE '2011-08-01', 999),
    -- after the cutoff: never read by the baselines
    ('a', DATE '2011-09-11', 70)`);
  await db.run(`CREATE TABLE training_snapshots AS SELECT * FROM (VALUES
    ('a', 70.0, false, 'holdout'), ('b', 0.0, true, 'holdout'), ('c', 0.0, true, 'holdout'), ('a', 1.0, false, 'train'))
    t(customer_id, future_spend, churned, split)`);
}

test('the last horizon repeating, and the same period last year scaled by the trend, over the holdout\'s customers', async () => {
  const db = await Database.open(':memory:');
  try {
    await shop(db, '2009-12-01');
    const b = await aggregateBaselines(db, '2011-09-10', 90);
    expect(b).toMatchObject({ customers: 3, actual_spend: 70, observed_churn: 2 / 3 });
    // Last horizon: 60 + 25 - 5 = 80 spent; a and b bought (c only refunded): a third did not.
    expect(b.repeats.spend).toBe(80);
    expect(b.repeats.spend_ratio).toBeCloseTo(80 / 70, 12);
    expect(b.repeats.churn).toBeCloseTo(1 / 3, 12);
    // A year before: 30 + 30 + 20 = 80 in the same days, a and c buying; the horizon before them 40 + 10 = 50, a and b.
    // Trend: spend 80 / 50, buyers (2/3) / (2/3) = 1.
    const ly = b.last_year_trend!;
    expect(ly.spend_trend).toBeCloseTo(80 / 50, 12);
    expect(ly.active_trend).toBeCloseTo(1, 12);
    expect(ly.spend).toBeCloseTo(80 * (80 / 50), 10);
    expect(ly.spend_ratio).toBeCloseTo((80 * 1.6) / 70, 10);
    expect(ly.churn).toBeCloseTo(1 / 3, 12);
    expect(b.last_year_trend_missing).toBeNull();
  } finally {
    db.close();
  }
});

test('under a year and a horizon of history, no last-year baseline, and why', async () => {
  const db = await Database.open(':memory:');
  try {
    await shop(db, '2010-07-01');
    const b = await aggregateBaselines(db, '2011-09-10', 90);
    expect(b.last_year_trend).toBeNull();
    expect(b.last_year_trend_missing).toBe('the history starts on 2010-07-01, under a year and a horizon before the holdout (2010-06-13): no same period last year to scale');
    expect(b.repeats.spend).toBe(80);
  } finally {
    db.close();
  }
});
