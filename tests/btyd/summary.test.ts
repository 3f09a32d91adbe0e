import { expect, test } from 'vitest';
import { fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from '../../pipeline/btyd/gammaGamma.js';
import { fitParetoNbd } from '../../pipeline/btyd/paretoNbd.js';
import { summarySql } from '../../pipeline/btyd/summary.js';
import { dateParam } from '../../pipeline/db/Database.js';
import { withDb } from '../helpers/withDb.js';

test('the summary collapses days, excludes the first purchase, and nets refunds against repeat spend', async () => {
  const rows = await withDb(async (db) => {
    await db.run(`CREATE TABLE tx AS SELECT * FROM (VALUES
      ('a', DATE '2025-01-01', 10.00), ('a', DATE '2025-01-01', 5.00),   -- first day: two orders, one purchase day
      ('a', DATE '2025-01-08', 20.00), ('a', DATE '2025-01-15', 40.00),  -- two repeat days
      ('a', DATE '2025-01-20', -12.00),                                  -- a refund after the first day
      ('a', DATE '2025-03-01', 99.00),                                   -- after the calibration end
      ('b', DATE '2025-01-10', 30.00), ('b', DATE '2025-01-17', 30.00), ('b', DATE '2025-01-18', -30.00), -- returns all it re-bought
      ('c', DATE '2025-01-29', 8.00)
    ) t(customer_id, day, amount)`);
    return db.all(`SELECT * FROM (${summarySql('tx')}) ORDER BY customer_id`, { calibration_end: dateParam('2025-01-29'), unit_days: 7 });
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

test('degenerate data never throws: the fits report instead', () => {
  const nobodyReturns = Array.from({ length: 50 }, (_, i) => ({ x: 0, t_x: 0, T: 10 + (i % 5) }));
  for (const fit of [fitBgNbd, fitParetoNbd]) {
    const { params, report } = fit(nobodyReturns);
    expect(Object.values(params).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(typeof report.converged).toBe('boolean');
    expect(Array.isArray(report.warnings)).toBe(true);
  }
  const { report } = fitGammaGamma(nobodyReturns.map((r) => ({ x: r.x })));
  expect(report.warnings).toContain('only 0 repeat customers: the spend model is weak');
});
