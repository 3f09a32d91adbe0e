import { expect, test } from 'vitest';
import { bgnbdProbabilityNoPurchase } from '../../pipeline/btyd/bgnbd.js';
import { fitBtyd, purchaseFits } from '../../pipeline/btyd/fitBtyd.js';
import { holdoutLogLikelihoods, totalLogLik } from '../../pipeline/btyd/holdoutLikelihood.js';
import { mbgnbdProbabilityNoPurchase } from '../../pipeline/btyd/mbgnbd.js';
import { readSummary } from '../../pipeline/features/btydSummary.js';
import { cdnowTransactionsCsv } from '../helpers/cdnow.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const bg = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

test('the likelihood of the later history over the earlier one is the probability of what happened in between', () => {
  // A customer who bought nothing in (T, T + h]: the ratio of the two summary likelihoods must be
  // P(no purchase in (T, T + h] | history), computed independently by each model's own formula.
  for (const [x, t_x, T, h] of [[0, 0, 20, 13], [3, 12.5, 30, 39], [12, 29, 30, 5]] as const) {
    const later = { x, t_x, T: T + h };
    const now = { x, t_x, T };
    expect(totalLogLik('bgnbd', bg, [later]) - totalLogLik('bgnbd', bg, [now])).toBeCloseTo(Math.log(bgnbdProbabilityNoPurchase(bg, h, x, t_x, T)), 10);
    expect(totalLogLik('mbgnbd', bg, [later]) - totalLogLik('mbgnbd', bg, [now])).toBeCloseTo(Math.log(mbgnbdProbabilityNoPurchase(bg, h, x, t_x, T)), 10);
  }
});

test('on CDNOW, every candidate fitted to 1997-09-30 is scored on the 39 weeks that follow, per customer known then', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'tx.csv', cdnowTransactionsCsv());
    await db.run(`CREATE TABLE cdnow AS SELECT customer_id, CAST(strptime(date, '%Y%m%d') AS DATE) AS order_date, CAST(amount AS DECIMAL(18, 2)) AS amount
      FROM read_csv('${path}', header = true, all_varchar = true)`);
    // The summaries (read from the orders only to make the fixture) at the calibration end and the holdout's end.
    const calibration = await readSummary(db, 'cdnow', '1997-09-30', 7);
    const full = await readSummary(db, 'cdnow', '1998-06-30', 7);
    const models = fitBtyd(calibration.rows, '1997-09-30', { penalty: 0.001 });
    const ll = holdoutLogLikelihoods(models, calibration, full);
    expect(Object.keys(ll).sort()).toEqual(Object.keys(purchaseFits(models)).sort());
    for (const v of Object.values(ll)) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeLessThan(0);
    }
    // The maximum-likelihood fits are close to one another on this well-behaved cohort (within 0.05 nats a customer).
    const values = Object.values(ll);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(0.05);
    // Each figure is the difference of the two totals over the customers known at the calibration end, per customer.
    const { report: _r, ...bg } = models.bgnbd;
    expect(ll.bgnbd).toBeCloseTo((totalLogLik('bgnbd', bg, full.rows) - totalLogLik('bgnbd', bg, calibration.rows)) / calibration.rows.length, 10);
    // A customer of the calibration missing from the later summaries: no figure rather than a wrong one.
    expect(holdoutLogLikelihoods(models, calibration, { ids: full.ids.slice(1), rows: full.rows.slice(1) })).toEqual({});
  }));
});
