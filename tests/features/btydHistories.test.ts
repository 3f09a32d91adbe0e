import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildAsOfBtydFeatures, buildBtydFeatures } from '../../pipeline/features/btydFeatures.js';
import { historyRows, readHistories } from '../../pipeline/features/btydHistories.js';
import { readSummary } from '../../pipeline/features/btydSummary.js';
import { buildFeatures } from '../../pipeline/features/customerFeatures.js';
import { SampleTables, buildTrainingSample, sampleUse } from '../../pipeline/features/trainingSample.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';
import { AS_OF, LATER_ORDERS, LATER_TICKETS, ORDERS, TICKETS, loadHistory } from '../helpers/handHistory.js';
import { withDb, withTempDir } from '../helpers/withDb.js';

test('the histories read from customer_features are the summary of the orders: days collapsed, refunds and later rows ignored', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    // A: purchase days 2025-01-10, 03-01 (two orders), 06-10, a refund on 03-05 and a purchase after as-of;
    // B: one purchase on as-of; C: only after as-of; D: a refund by as-of, its purchase after.
    await loadHistory(db, dir, [...ORDERS, ...LATER_ORDERS], [...TICKETS, ...LATER_TICKETS]);
    await buildFeatures(db, AS_OF);
    const h = await readHistories(db, 'all', 7);
    expect(h.ids).toEqual(['A', 'B']);
    // by hand, in weeks: A's repeat days 03-01 and 06-10 (x 2), last 151 days after the first, as-of 171 days after it
    expect(historyRows(h)).toEqual([{ x: 2, t_x: 151 / 7, T: 171 / 7 }, { x: 0, t_x: 0, T: 0 }]);
    const s = await readSummary(db, 'orders', AS_OF, 7);
    expect(s.ids).toEqual(h.ids);
    expect(s.rows.map(({ x, t_x, T }) => ({ x, t_x, T }))).toEqual(historyRows(h));
  }));
});

let base: DemoBase;
beforeAll(async () => {
  base = await demoBase(1500, 23);
});
afterAll(() => base.close());

test('on a generated base, at as-of and at an earlier date: every customer\'s and the fit subset\'s histories equal the summary of their orders', async () => {
  const { db } = base;
  for (const asOf of ['2026-09-30', '2025-11-17']) {
    await buildFeatures(db, asOf);
    await buildTrainingSample(db, 900, 42, 300);
    const tables = new SampleTables(db);
    try {
      for (const whose of ['all', 'fit'] as const) {
        const h = await readHistories(db, whose, 7);
        const s = await readSummary(db, await tables.orders(whose), asOf, 7);
        expect(h.ids.length).toBe(whose === 'all' ? await db.value('SELECT count(*) FROM customer_features') : 300);
        expect(h.ids).toEqual(s.ids);
        expect(historyRows(h)).toEqual(s.rows.map(({ x, t_x, T }) => ({ x, t_x, T })));
      }
    } finally {
      await tables.drop();
    }
  }
  // the base has what makes the two differ if either is wrong: refunds, guests, several orders a day
  expect(await db.one(`SELECT count(*) FILTER (WHERE amount < 0) > 0 AS refunds, count(*) FILTER (WHERE customer_id IS NULL) > 0 AS guests,
      (SELECT count(*) FROM (SELECT customer_id, order_date FROM orders WHERE customer_id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)) > 0 AS same_day
    FROM orders`)).toEqual({ refunds: true, guests: true, same_day: true });
});

test('btyd_features at as-of from customer_features is, byte for byte, what fitting and scoring from the orders gives', async () => {
  const { db } = base;
  const asOf = '2026-09-30';
  await buildFeatures(db, asOf);
  for (const [size, fit] of [[900, 300], [100_000, 100_000]] as const) {
    const sample = await buildTrainingSample(db, size, 42, fit);
    const tables = new SampleTables(db);
    try {
      const who = sampleUse(sample);
      expect(who.fitOn).toBe(fit < sample.customers ? 'fit' : 'all');
      const fromOrders = await buildBtydFeatures(db, tables, { sample: [], everyone: [asOf] }, 90, who, 7, true, 'btyd_features_from_orders');
      const fromFeatures = await buildAsOfBtydFeatures(db, tables, asOf, 90, who.fitOn, 7, true);
      expect(fromFeatures.get(asOf)).toEqual(fromOrders.get(asOf));
      // A table in its stored order; btyd_features, a view, in its own (customer_features' rows beside their figures).
      const dump = (t: string) => db.all(`SELECT * FROM ${t}${t === 'btyd_features' ? '' : ' ORDER BY rowid'}`);
      const rows = await dump('btyd_features');
      expect(rows).toHaveLength(sample.customers);
      expect(rows).toEqual(await dump('btyd_features_from_orders'));
      // a season learnt (not the flat index of 1) so that its source, the fit customers' orders, matters
      expect(new Set(rows.map((r) => r.btyd_season_index)).size).toBe(1);
      expect(rows[0]!.btyd_season_index).not.toBe(1);
    } finally {
      await tables.drop();
      await db.run('DROP TABLE IF EXISTS btyd_features_from_orders');
    }
  }
  // The view pairs its figures with customer_features' rows by position: customer_features built again (another
  // as-of, other rows) takes it away rather than leave it paired with rows it was not computed from.
  expect(await db.isView('btyd_features')).toBe(true);
  await buildFeatures(db, '2026-08-31');
  expect(await db.isView('btyd_features')).toBe(false);
  expect(await db.isTable('btyd_features__figures')).toBe(false);
});

test('btyd_features built as a table (buildBtydFeatures, as the bench does) replaces the view and its figures', async () => {
  const { db } = base;
  const asOf = '2026-09-30';
  await buildFeatures(db, asOf);
  const sample = await buildTrainingSample(db, 100_000, 42, 100_000);
  const tables = new SampleTables(db);
  try {
    await buildAsOfBtydFeatures(db, tables, asOf, 90, sampleUse(sample).fitOn, 7, true);
    const view = await db.all('SELECT * FROM btyd_features');
    await buildBtydFeatures(db, tables, { sample: [], everyone: [asOf] }, 90);
    expect(await db.isTable('btyd_features')).toBe(true);
    expect(await db.isTable('btyd_features__figures')).toBe(false);
    expect(await db.all('SELECT * FROM btyd_features ORDER BY rowid')).toEqual(view);
  } finally {
    await tables.drop();
  }
});
