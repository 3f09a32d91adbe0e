import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SampleTables, buildTrainingSample, sampleUse } from '../../pipeline/features/trainingSample.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

// A generated base of 2,000 customers, sampled to a third: what a million-customer base does with
// training.sampleCustomers, at a size a test affords.
let base: DemoBase;
beforeAll(async () => {
  base = await demoBase(2000, 11);
});
afterAll(() => base.close());

const strataSql = `SELECT least(orders_count, 5) * 10 + CASE WHEN recency_days <= 90 THEN 0 WHEN recency_days <= 365 THEN 1 ELSE 2 END AS stratum,
    count(*) AS n, count(s.customer_id) AS sampled
  FROM customer_features f LEFT JOIN training_sample s USING (customer_id) GROUP BY ALL ORDER BY stratum`;

describe('the training sample', () => {
  test('takes each stratum of purchase count and recency in proportion, the same customers for the same seed', async () => {
    const { db } = base;
    const sample = await buildTrainingSample(db, 700, 42);
    const customers = await db.value<number>('SELECT count(*) FROM customer_features');
    // The strata's rounding can take one customer more than asked; the BTYD fit takes at most the size asked.
    expect(sample).toEqual({ customers, sampled: expect.any(Number), partial: true, btydFit: Math.min(sample.sampled, 700) });
    const share = 700 / customers;
    const strata = await db.all<{ stratum: number; n: number; sampled: number }>(strataSql);
    expect(strata.length).toBeGreaterThanOrEqual(8);
    for (const s of strata) expect(s.sampled).toBe(Math.round(s.n * share));
    expect(sample.sampled).toBe(strata.reduce((t, s) => t + s.sampled, 0));

    const first = await db.all('SELECT customer_id FROM training_sample ORDER BY customer_id');
    await buildTrainingSample(db, 700, 42);
    expect(await db.all('SELECT customer_id FROM training_sample ORDER BY customer_id')).toEqual(first);
    await buildTrainingSample(db, 700, 43);
    const other = await db.all<{ customer_id: string }>('SELECT customer_id FROM training_sample ORDER BY customer_id');
    const overlap = other.filter((r) => first.some((f) => f.customer_id === r.customer_id)).length;
    // Another seed draws another sample: about a third of it overlaps the first by chance.
    expect(overlap).toBeLessThan(0.5 * other.length);
  });

  test('a base no larger than the size is taken whole; the BTYD fit subset is the first of another seeded order', async () => {
    const { db } = base;
    const whole = await buildTrainingSample(db, 5000, 42);
    expect(whole.partial).toBe(false);
    expect(whole.sampled).toBe(whole.customers);
    expect(sampleUse(whole)).toEqual({ sampled: 'all', fitOn: 'all' });
    const subset = await buildTrainingSample(db, 5000, 42, 300);
    expect(subset.btydFit).toBe(300);
    expect(sampleUse(subset)).toEqual({ sampled: 'all', fitOn: 'fit' });
  });

  test("sample tables copy the chosen customers' orders and tickets once, and 'all' reads the tables themselves", async () => {
    const { db } = base;
    await buildTrainingSample(db, 700, 42, 200);
    const tables = new SampleTables(db);
    expect(await tables.sources('all')).toEqual({ orders: 'orders', lines: 'order_lines', tickets: 'tickets' });
    const fit = await tables.orders('fit');
    expect(await tables.orders('fit')).toBe(fit);
    expect(await db.value<number>(`SELECT count(DISTINCT customer_id) FROM ${fit}`)).toBeLessThanOrEqual(200);
    expect(await db.value<number>(`SELECT count(*) FROM ${fit}`)).toBe(await db.value<number>(
      'SELECT count(*) FROM orders WHERE customer_id IN (SELECT customer_id FROM training_sample WHERE fits_btyd)'));
    const { tickets } = await tables.sources('sample');
    expect(await db.value<number>(`SELECT count(*) FROM ${tickets}`)).toBe(await db.value<number>(
      'SELECT count(*) FROM tickets WHERE customer_id IN (SELECT customer_id FROM training_sample)'));
    await tables.drop();
    expect(await db.value<number>(`SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('fit_orders', 'sample_orders', 'sample_tickets')`)).toBe(0);
  });
});
