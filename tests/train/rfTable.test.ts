import { expect, test } from 'vitest';
import { FREQUENCY_EDGES, RECENCY_EDGES } from '../../pipeline/learn/rfTableModel.js';
import { applyRfTable, trainRfTable } from '../../pipeline/train/rfTable.js';
import { withDb } from '../helpers/withDb.js';

test('a cell\'s churn rate is its own, shrunk toward its recency row by 20 pseudo-customers; empty rows take the nearest learnt one', async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE training_snapshots AS SELECT * FROM (VALUES
      ('a', 'train', 3, 1, true, 0, 0.0, 50.0), ('b', 'train', 3, 1, true, 0, 0.0, 50.0), ('c', 'train', 3, 1, false, 2, 100.0, 50.0),
      ('d', 'train', 3, 5, false, 1, 50.0, 50.0), ('e', 'holdout', 400, 1, true, 0, 0.0, 20.0)
    ) t(customer_id, split, recency_days, purchase_days, churned, future_orders, future_spend, avg_order_value)`);
    const { cells, version } = await trainRfTable(db, ['train']);
    expect(cells).toHaveLength((RECENCY_EDGES.length + 1) * (FREQUENCY_EDGES.length + 1));
    // Recency bucket of 3 days is 0; one purchase day is frequency bucket 0, five is bucket 3.
    const rowRate = 2 / 4;
    const oneDay = cells.find((c) => c.r === 0 && c.f === 0)!;
    expect(oneDay.churn_rate).toBeCloseTo((2 + 20 * rowRate) / (3 + 20), 12);
    expect(cells.find((c) => c.r === 0 && c.f === 3)!.churn_rate).toBeCloseTo((0 + 20 * rowRate) / (1 + 20), 12);
    // The 400-day row had no training customer: it takes the nearest learnt row's values.
    expect(cells.find((c) => c.r === 9 && c.f === 0)!.churn_rate).toBeCloseTo(oneDay.churn_rate, 12);
    expect(version).toMatch(/^rf-table-[0-9a-f]{12}$/);

    await applyRfTable(db, cells, `(SELECT * FROM training_snapshots WHERE split = 'holdout')`, 'scored');
    expect(await db.all('SELECT customer_id, churn_probability, predicted_value FROM scored')).toEqual([
      { customer_id: 'e', churn_probability: oneDay.churn_rate, predicted_value: oneDay.spend_per_aov * 20 },
    ]);
  });
});
