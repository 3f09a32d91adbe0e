import { expect, test } from 'vitest';
import { summarizeBtyd } from '../../pipeline/btyd/fitBtyd.js';
import { fitBtydModels } from '../../pipeline/train/fitBtydModels.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';
import { cdnowTransactionsCsv } from '../helpers/cdnow.js';

test('the three models fitted on a table of orders, as published: parameters, standard errors, convergence', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'tx.csv', cdnowTransactionsCsv());
    await db.run(`CREATE TABLE cdnow AS SELECT customer_id, CAST(strptime(date, '%Y%m%d') AS DATE) AS order_date, CAST(amount AS DECIMAL(18, 2)) AS amount
      FROM read_csv('${path}', header = true, all_varchar = true)`);
    const models = await fitBtydModels(db, 'cdnow', '1997-09-30');
    expect(models).toMatchObject({ calibration_end: '1997-09-30', unit_days: 7, customers: 2357 });
    expect(models.bgnbd.r).toBeCloseTo(0.2426, 3);
    expect(models.pareto.s).toBeCloseTo(0.6062, 3);
    expect(models.gamma_gamma.p).toBeCloseTo(6.2488, 2);
    const published = summarizeBtyd(models);
    expect(published.bgnbd).toMatchObject({ converged: true, r: models.bgnbd.r });
    expect(Object.keys(published.bgnbd.standard_errors!)).toEqual(['r', 'alpha', 'a', 'b']);
    expect(published.gamma_gamma.standard_errors!.p).toBeGreaterThan(0);
    expect(published).not.toHaveProperty('bgnbd.report');
    await expect(fitBtydModels(db, 'cdnow', '1990-01-01')).rejects.toThrow(/no purchases on or before 1990-01-01/);
  }));
});
