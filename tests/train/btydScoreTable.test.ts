import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BtydModels } from '../../pipeline/btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS, INTERVAL_GRID } from '../../pipeline/btyd/scoreBtyd.js';
import { btydRowScorer } from '../helpers/btydRowScorer.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { readSummary } from '../../pipeline/features/btydSummary.js';
import { buildFeatures } from '../../pipeline/features/customerFeatures.js';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { createBtydSummary, createFeaturesBtydSummary, scoreBtyd } from '../../pipeline/train/btydScoreTable.js';
import { fitBtydModels } from '../../pipeline/train/fitBtydModels.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';
import { TEST_INGEST } from '../helpers/handHistory.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

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

  test('the table, its figures computed once per run of a history and joined to the ids by position, holds the per-row scorer\'s figures for every customer', async () => {
    const { db } = base;
    await scoreBtyd(db, models, AS_OF, 'joined', options);
    const summary = await readSummary(db, 'orders', AS_OF, models.unit_days);
    const out = btydRowScorer(models, { ...options, from: AS_OF })(summary.rows);
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

  test('a summary stored in any order gives the same table: figures are never carried from one history to another', async () => {
    const { db } = base;
    await createBtydSummary(db, 'in_order', AS_OF, models.unit_days);
    // The same rows in an order that splits every history's run (and so every batch's), with batches of 7 rows.
    await db.run('CREATE OR REPLACE TABLE shuffled AS SELECT * FROM in_order ORDER BY hash(customer_id)');
    expect(await db.value<number>(`SELECT count(*) FROM (SELECT x, t_x, "T", lag(x) OVER (ORDER BY rowid) AS before_x,
      lag(t_x) OVER (ORDER BY rowid) AS before_t_x, lag("T") OVER (ORDER BY rowid) AS before_age FROM shuffled) WHERE x = before_x AND t_x = before_t_x AND "T" = before_age`)).toBeLessThan(200);
    await scoreBtyd(db, models, AS_OF, 'from_ordered', { ...options, summary: 'in_order' });
    await scoreBtyd(db, models, AS_OF, 'from_shuffled', { ...options, summary: 'shuffled', batchRows: 7 });
    expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM from_ordered EXCEPT ALL SELECT * FROM from_shuffled)')).toBe(0);
    expect(await db.value<number>('SELECT count(*) FROM from_shuffled')).toBe(await db.value<number>('SELECT count(*) FROM in_order'));
    // Stored in history order, a summary's customers with one history follow each other.
    expect(await db.value<number>(`SELECT count(*) FROM (SELECT x, t_x, "T", lag(x) OVER (ORDER BY rowid) AS before_x,
      lag(t_x) OVER (ORDER BY rowid) AS before_t_x, lag("T") OVER (ORDER BY rowid) AS before_age FROM in_order)
      WHERE before_x IS NOT NULL AND [x, t_x, "T"] < [before_x, before_t_x, before_age]`)).toBe(0);
    await db.run('DROP TABLE in_order; DROP TABLE shuffled');
  });

  test('scoring in small batches gives the same table as in one batch', async () => {
    const { db } = base;
    await scoreBtyd(db, models, AS_OF, 'one_batch', options);
    await scoreBtyd(db, models, AS_OF, 'small_batches', { ...options, batchRows: 300 });
    expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM one_batch EXCEPT ALL SELECT * FROM small_batches)')).toBe(0);
    expect(await db.value<number>('SELECT count(*) FROM small_batches')).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));
  });

  test('on a thread of their own, the same table; a thread that cannot start is told in the log and its batches scored here', async () => {
    const { db } = base;
    const { default: pino } = await import('pino');
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const warnings = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; first?: string }).filter((l) => l.level === 40);
    await scoreBtyd(db, models, AS_OF, 'on_thread', { ...options, batchRows: 300, thread: true, log });
    expect(warnings()).toEqual([]);
    expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM one_batch EXCEPT ALL SELECT * FROM on_thread)')).toBe(0);
    // Models holding a function cannot be copied to a thread: the thread never starts.
    const uncopiable = { ...models, note: () => 'not data' };
    await scoreBtyd(db, uncopiable, AS_OF, 'thread_lost', { ...options, batchRows: 300, thread: true, log });
    expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM one_batch EXCEPT ALL SELECT * FROM thread_lost)')).toBe(0);
    expect(await db.value<number>('SELECT count(*) FROM thread_lost')).toBe(await db.value<number>('SELECT count(*) FROM one_batch'));
    const told = warnings();
    expect(told).toHaveLength(1);
    expect(told[0]!.msg).toMatch(/^BTYD scores: the thread of their own could not start or failed; its batches were scored on the main thread/);
    expect(told[0]!.first).toMatch(/could not be cloned|DataCloneError/);
  });
});

describe('the summary from customer_features', () => {
  const ORDERS = [
    'order_id,customer_id,order_ts,amount,currency,category,channel,discount_used',
    // A: two orders on the first day and a refund that day (not a repeat), two orders on a later day, a refund after, an order after the as-of.
    'A1,A,2025-01-06T09:00:00Z,100.00,USD,books,web,true',
    'A2,A,2025-01-06T17:00:00Z,25.50,USD,books,app,false',
    'AR0,A,2025-01-06T18:00:00Z,-10.00,USD,books,web,',
    'A3,A,2025-02-03T10:00:00Z,40.00,USD,music,web,false',
    'A4,A,2025-02-03T19:30:00Z,19.99,USD,music,web,false',
    'AR1,A,2025-02-10T12:00:00Z,-19.99,USD,music,web,',
    'A5,A,2025-05-12T08:00:00Z,70.01,USD,toys,app,true',
    'A6,A,2025-07-01T08:00:00Z,999.00,USD,toys,app,true',
    // One purchase only (no repeat value), and a guest's orders (no customer).
    'O1,O,2025-03-03T09:00:00Z,12.00,USD,books,web,false',
    'G1,,2025-03-03T09:00:00Z,500.00,USD,books,web,false',
    'G2,,2025-04-03T09:00:00Z,-500.00,USD,books,web,false',
    // Z: what the repeat day bought refunded: a repeat value of zero. N: refunded more than the repeat bought: negative.
    'Z1,Z,2025-01-13T09:00:00Z,40.00,USD,books,web,false',
    'Z2,Z,2025-03-17T09:00:00Z,30.00,USD,books,web,false',
    'ZR,Z,2025-03-20T09:00:00Z,-30.00,USD,books,web,',
    'N1,N,2025-02-01T09:00:00Z,80.00,USD,books,web,false',
    'N2,N,2025-02-08T09:00:00Z,5.00,USD,books,web,false',
    'NR,N,2025-02-09T09:00:00Z,-60.00,USD,books,web,',
    // R: a refund before the first purchase (not a repeat), then purchases on the as-of day's eve and the as-of day.
    'RR,R,2025-01-02T09:00:00Z,-15.00,USD,books,web,',
    'R1,R,2025-06-29T09:00:00Z,8.00,USD,books,web,false',
    'R2,R,2025-06-30T23:00:00Z,9.25,USD,books,web,false',
  ];
  const SUMMARY_AS_OF = '2025-06-30';

  test('is the summary over the orders bit for bit, each repeat value the one worked out by hand', async () => {
    await withTempDir(async (dir) => {
      await withDb(async (db) => {
        await migrate(db);
        await ingestInputs(db, { orders: [writeFile(dir, 'orders.csv', ORDERS.join('\n') + '\n')] }, TEST_INGEST, silentLogger);
        await buildFeatures(db, SUMMARY_AS_OF);
        await createBtydSummary(db, 'from_orders', SUMMARY_AS_OF, 7);
        await createFeaturesBtydSummary(db, 'from_features', SUMMARY_AS_OF, 7);
        const rows = await db.all<{ customer_id: string; x: number; t_x: number; T: number; mean_repeat_value: number | null; zbin: number | null }>(
          'SELECT * FROM from_features ORDER BY customer_id');
        const days = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;
        // x repeat days; t_x and T in weeks from the first purchase day; (repeat days' purchases + refunds after the first day) / x.
        expect(rows.map((r) => [r.customer_id, r.x, r.t_x, r.T, r.mean_repeat_value])).toEqual([
          ['A', 2, days('2025-01-06', '2025-05-12') / 7, days('2025-01-06', SUMMARY_AS_OF) / 7, (40 + 19.99 - 19.99 + 70.01) / 2],
          ['N', 1, 1, days('2025-02-01', SUMMARY_AS_OF) / 7, 5 - 60],
          ['O', 0, 0, days('2025-03-03', SUMMARY_AS_OF) / 7, null],
          ['R', 1, 1 / 7, 1 / 7, 9.25],
          ['Z', 1, 9, days('2025-01-13', SUMMARY_AS_OF) / 7, 0],
        ]);
        // The refunds after the first purchase day as customer_features summed them: A's (a refund on the first
        // purchase day, AR0, and one after) and R's (one before it) left to the summary, which sums them from the orders.
        expect(await db.all('SELECT customer_id, CAST(repeat_refunds AS DOUBLE) AS r FROM customer_features ORDER BY customer_id')).toEqual([
          { customer_id: 'A', r: null }, { customer_id: 'N', r: -60 }, { customer_id: 'O', r: 0 }, { customer_id: 'R', r: null }, { customer_id: 'Z', r: -30 },
        ]);
        // No order-value bin without a positive repeat value.
        const bin = (v: number) => Math.round(Math.log(v) / INTERVAL_GRID.logSpendStep);
        expect(rows.map((r) => r.zbin)).toEqual([bin(55), null, null, bin(9.25), null]);
        // The summary over the orders: the same rows, every double the same bits.
        const ordersRows = await db.columns('SELECT * FROM from_orders ORDER BY customer_id');
        const featuresRows = await db.columns('SELECT * FROM from_features ORDER BY customer_id');
        expect(Object.keys(featuresRows)).toEqual(Object.keys(ordersRows));
        for (const c of Object.keys(ordersRows)) expect(featuresRows[c], c).toEqual(ordersRows[c]);
        // From a customer_features without repeat_refunds (an earlier version's), every refund from the orders: the same rows.
        await db.run('ALTER TABLE customer_features DROP COLUMN repeat_refunds');
        await createFeaturesBtydSummary(db, 'from_older_features', SUMMARY_AS_OF, 7);
        const olderRows = await db.columns('SELECT * FROM from_older_features ORDER BY customer_id');
        for (const c of Object.keys(ordersRows)) expect(olderRows[c], c).toEqual(ordersRows[c]);
      });
    });
  });

  test('gives a generated base (guests, refunds, several orders a day) the summary over the orders, and the same score table', async () => {
    const { db } = base;
    await createBtydSummary(db, 'base_from_orders', AS_OF, models.unit_days);
    await createFeaturesBtydSummary(db, 'base_from_features', AS_OF, models.unit_days);
    const shape = await db.one<Record<string, number>>(`SELECT count(*) FILTER (WHERE customer_id IS NULL) AS guest_rows, count(*) FILTER (WHERE amount < 0) AS refunds,
        (SELECT count(*) FROM (SELECT customer_id, order_date FROM orders WHERE customer_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)) AS busy_days
      FROM orders WHERE order_date <= DATE '${AS_OF}'`);
    expect(shape!.guest_rows).toBeGreaterThan(0);
    expect(shape!.refunds).toBeGreaterThan(0);
    expect(shape!.busy_days).toBeGreaterThan(0);
    const a = await db.columns('SELECT * FROM base_from_orders ORDER BY customer_id');
    const b = await db.columns('SELECT * FROM base_from_features ORDER BY customer_id');
    expect((b.customer_id as string[]).length).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));
    expect(await db.value<number>('SELECT count(*) FROM base_from_features WHERE x = 0')).toBeGreaterThan(0);
    for (const c of Object.keys(a)) expect(b[c], c).toEqual(a[c]);
    await scoreBtyd(db, models, AS_OF, 'scored_from_orders', options);
    await scoreBtyd(db, models, AS_OF, 'scored_from_features', { ...options, summary: 'base_from_features' });
    expect(await db.columns('SELECT * FROM scored_from_features ORDER BY customer_id')).toEqual(await db.columns('SELECT * FROM scored_from_orders ORDER BY customer_id'));
  });
});
