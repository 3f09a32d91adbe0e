import { expect, test } from 'vitest';
import { holdoutColumns } from '../../pipeline/train/holdout.js';
import { withDb } from '../helpers/withDb.js';

test("the holdout's labels beside a scores table's columns, in customer order, training rows left out", async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE training_snapshots AS SELECT * FROM (VALUES
      ('b', 'holdout', true, 0, 0.0, 40, 12.5), ('a', 'holdout', false, 2, 55.5, 3, 300), ('a', 'train', true, 0, 0.0, 90, 10)
    ) t(customer_id, split, churned, future_orders, future_spend, recency_days, net_spend)`);
    await db.run(`CREATE TABLE s AS SELECT * FROM (VALUES ('a', 0.2), ('b', 0.9)) t(customer_id, p)`);
    const cols = await holdoutColumns(db, 's', ['p']);
    expect(cols.customer_id).toEqual(['a', 'b']);
    expect(Array.from(cols.churned!)).toEqual([0, 1]);
    expect(Array.from(cols.future_orders!)).toEqual([2, 0]);
    expect(Array.from(cols.future_spend!)).toEqual([55.5, 0]);
    expect(Array.from(cols.recency_days!)).toEqual([3, 40]);
    expect(Array.from(cols.net_spend!)).toEqual([300, 12.5]);
    expect(Array.from(cols.p!)).toEqual([0.2, 0.9]);
  });
});
