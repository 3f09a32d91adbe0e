import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BtydModels } from '../../pipeline/btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS, btydScorer } from '../../pipeline/btyd/scoreBtyd.js';
import { readSummary } from '../../pipeline/features/btydSummary.js';
import { createBtydSummary, scoreBtyd } from '../../pipeline/train/btydScoreTable.js';
import { fitBtydModels } from '../../pipeline/train/fitBtydModels.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

const AS_OF = '2026-09-30';
let base: DemoBase;
let models: BtydModels;
beforeAll(async () => {
  base = await demoBase(2000, 11);
  models = await fitBtydModels(base.db, 'orders', AS_OF);
});
afterAll(() => base.close());

const options = { model: 'bgnbd' as const, horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 40, seed: 42 };

describe('intervals by neighbourhood', () => {
  test('move the bounds less than another set of 40 parameter draws does, and bracket the estimate', async () => {
    const { db } = base;
    // A grid so fine that every history is its own neighbourhood: the exact draws, with two seeds.
    const exact = { logAgeStep: 1e-9, recencyStep: 1e-9, maxPurchases: Infinity, logSpendStep: 1e-9 };
    await scoreBtyd(db, models, AS_OF, 'grid_scores', options);
    await scoreBtyd(db, models, AS_OF, 'exact_scores', { ...options, intervalGrid: exact });
    await scoreBtyd(db, models, AS_OF, 'reseeded_scores', { ...options, seed: 7, intervalGrid: exact });
    // How far a table's bounds are from the exact ones, relative to the estimate, at the 50th, 90th and 99th percentile.
    const distance = (table: string) => db.one<Record<string, number[]>>(`SELECT
        quantile_cont(abs((t.clv_12m_p10 - e.clv_12m_p10) / e.clv_12m), [0.5, 0.9, 0.99]) AS clv_p10,
        quantile_cont(abs((t.clv_12m_p90 - e.clv_12m_p90) / e.clv_12m), [0.5, 0.9, 0.99]) AS clv_p90,
        quantile_cont(abs((t.expected_purchases_p10 - e.expected_purchases_p10) / e.expected_purchases), [0.5, 0.9, 0.99]) AS purchases_p10,
        quantile_cont(abs((t.expected_purchases_p90 - e.expected_purchases_p90) / e.expected_purchases), [0.5, 0.9, 0.99]) AS purchases_p90
      FROM ${table} t JOIN exact_scores e USING (customer_id) WHERE e.clv_12m > 0`);
    const grid = (await distance('grid_scores'))!;
    const reseeded = (await distance('reseeded_scores'))!;
    for (const bound of ['clv_p10', 'clv_p90', 'purchases_p10', 'purchases_p90']) {
      grid[bound]!.forEach((q, i) => expect(q).toBeLessThan(reseeded[bound]![i]!));
    }
    const d = await db.one<Record<string, number>>(`SELECT count(*) AS n,
        count(*) FILTER (WHERE expected_purchases_p10 <= expected_purchases AND expected_purchases <= expected_purchases_p90
          AND clv_12m_p10 <= clv_12m AND clv_12m <= clv_12m_p90) AS bracketed,
        avg((clv_12m_p90 - clv_12m_p10) / clv_12m) AS clv_width
      FROM grid_scores WHERE clv_12m > 0`);
    expect(d!.n).toBeGreaterThan(1500);
    expect(d!.bracketed).toBe(d!.n);
    expect(d!.clv_width).toBeGreaterThan(0.02);
    // The point estimates are the exact ones.
    expect(await db.value<number>(`SELECT count(*) FROM grid_scores g JOIN exact_scores e USING (customer_id)
      WHERE g.expected_purchases <> e.expected_purchases OR g.clv_12m <> e.clv_12m`)).toBe(0);
  });

  test('the table, joined from each distinct history\'s figures, holds the per-row scorer\'s figures for every customer', async () => {
    const { db } = base;
    await scoreBtyd(db, models, AS_OF, 'joined', options);
    const summary = await readSummary(db, 'orders', AS_OF, models.unit_days);
    const out = btydScorer(models, { ...options, from: AS_OF })(summary.rows);
    const table = await db.columns('SELECT * FROM joined ORDER BY customer_id');
    expect(table.customer_id).toEqual(summary.ids);
    for (const c of BTYD_SCORE_COLUMNS) {
      const got = table[c] as Float64Array;
      // Bit for bit (NULL in the table is NaN in the scorer).
      const differing = Array.from(got).filter((v, i) => !Object.is(v, out[c][i]!)).length;
      expect(differing, c).toBe(0);
    }
  });

  test('a summary made once and shared by several models gives each the table it would make itself', async () => {
    const { db } = base;
    await scoreBtyd(db, models, AS_OF, 'own_summary', { ...options, model: 'pareto' });
    await createBtydSummary(db, 'shared_summary', AS_OF, models.unit_days);
    await scoreBtyd(db, models, AS_OF, 'with_shared', { ...options, model: 'pareto', summary: 'shared_summary' });
    expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM own_summary EXCEPT ALL SELECT * FROM with_shared)')).toBe(0);
    expect(await db.value<number>('SELECT count(*) FROM with_shared')).toBe(await db.value<number>('SELECT count(*) FROM own_summary'));
    // The shared summary is the caller's: kept; the scorer's own work tables are gone.
    expect(await db.hasTable('shared_summary')).toBe(true);
    expect(await db.value<number>(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%\\_\\_%' ESCAPE '\\'`)).toBe(0);
  });

  test('scoring in small batches gives the same table as in one batch', async () => {
    const { db } = base;
    await scoreBtyd(db, models, AS_OF, 'one_batch', options);
    await scoreBtyd(db, models, AS_OF, 'small_batches', { ...options, batchRows: 300 });
    expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM one_batch EXCEPT ALL SELECT * FROM small_batches)')).toBe(0);
    expect(await db.value<number>('SELECT count(*) FROM small_batches')).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));
  });
});
