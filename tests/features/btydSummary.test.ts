import { expect, test } from 'vitest';
import { fitGammaGamma, gammaGammaExpectedSpend } from '../../pipeline/btyd/gammaGamma.js';
import { readSummary, summaryParams, summarySql, toSummary } from '../../pipeline/features/btydSummary.js';
import { Database } from '../../pipeline/db/Database.js';
import { cdnowPublishedSummary, cdnowTransactionsCsv } from '../helpers/cdnow.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const published = cdnowPublishedSummary();

test('the summary collapses days, excludes the first purchase, and nets refunds against repeat spend', async () => {
  const rows = await withDb(async (db) => {
    await db.run(`CREATE TABLE tx AS SELECT * FROM (VALUES
      ('a', DATE '2025-01-01', 10.00), ('a', DATE '2025-01-01', 5.00),   -- first day: two orders, one purchase day
      ('a', DATE '2025-01-08', 20.00), ('a', DATE '2025-01-15', 40.00),  -- two repeat days
      ('a', DATE '2025-01-20', -12.00),                                  -- a refund after the first day
      ('a', DATE '2025-03-01', 99.00),                                   -- after the calibration end
      ('b', DATE '2025-01-10', 30.00), ('b', DATE '2025-01-17', 30.00), ('b', DATE '2025-01-18', -30.00), -- returns all it re-bought
      ('c', DATE '2025-01-29', 8.00)
    ) t(customer_id, order_date, amount)`);
    return db.all(`SELECT * FROM (${summarySql()}) ORDER BY customer_id`, summaryParams('tx', '2025-01-29', 7));
  });
  expect(rows).toEqual([
    { customer_id: 'a', x: 2, t_x: 2, T: 4, mean_repeat_value: (20 + 40 - 12) / 2 },
    { customer_id: 'b', x: 1, t_x: 1, T: 19 / 7, mean_repeat_value: 0 },
    { customer_id: 'c', x: 0, t_x: 0, T: 0, mean_repeat_value: null },
  ]);
  // A repeat customer whose net repeat spend is not positive is left out of the spend fit and is worth 0 a purchase.
  const gg = fitGammaGamma([{ x: 2, mean_repeat_value: 24 }, { x: 1, mean_repeat_value: 0 }, { x: 3, mean_repeat_value: 31 }]);
  expect(gg.report.warnings.some((w) => w.startsWith('1 repeat customers with zero or negative net repeat spend'))).toBe(true);
  expect(gammaGammaExpectedSpend(gg.params, 1, 0)).toBe(0);
});

test('the summary built from the CDNOW sample matches the published summary for every customer', async () => {
  await withTempDir(async (dir) => {
    const db = await Database.open(':memory:');
    try {
      const path = writeFile(dir, 'tx.csv', cdnowTransactionsCsv());
      await db.run(`CREATE TABLE tx AS SELECT customer_id, CAST(strptime(date, '%Y%m%d') AS DATE) AS order_date, CAST(amount AS DECIMAL(18, 2)) AS amount
        FROM read_csv('${path}', header = true, all_varchar = true)`);
      const rows = await db.all<{ customer_id: string; x: number; t_x: number; T: number; mean_repeat_value: number | null }>(
        `SELECT * FROM (${summarySql()}) ORDER BY CAST(customer_id AS INTEGER)`, summaryParams('tx', '1997-09-30', 7));
      expect(rows).toHaveLength(2357);
      let repeaters = 0;
      rows.forEach((r, i) => {
        const [id, x, t_x, T, zbar] = published[i]!;
        expect(Number(r.customer_id)).toBe(id);
        expect(r.x).toBe(x);
        expect(Number(r.t_x.toFixed(2))).toBeCloseTo(t_x!, 2);
        expect(Number(r.T.toFixed(2))).toBeCloseTo(T!, 2);
        if (x! > 0) {
          repeaters++;
          expect(Math.abs(r.mean_repeat_value! - zbar!)).toBeLessThanOrEqual(0.005 + 1e-9); // the file rounds to cents
        }
      });
      expect(repeaters).toBe(946);
    } finally {
      db.close();
    }
  });
});

test('readSummary gives the summary rows in customer order, from any table of orders', async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE some_orders AS SELECT * FROM (VALUES
      ('b', DATE '2025-01-01', 10.00), ('b', DATE '2025-01-15', 30.00), ('a', DATE '2025-01-08', 5.00)) t(customer_id, order_date, amount)`);
    const s = await readSummary(db, 'some_orders', '2025-01-29', 7);
    expect(s.ids).toEqual(['a', 'b']);
    expect(s.rows).toEqual([
      { x: 0, t_x: 0, T: 3, mean_repeat_value: NaN },
      { x: 1, t_x: 2, T: 4, mean_repeat_value: 30 },
    ]);
    const cols = await db.columns(summarySql(), summaryParams('some_orders', '2025-01-29', 7));
    expect(toSummary(cols)).toEqual(s);
  });
});
