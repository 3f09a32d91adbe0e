import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Logger } from '../../pipeline/log.js';
import { compiledWorker } from '../helpers/workerThread.js';
import { bgnbdConditionalExpected, bgnbdPAlive, bgnbdProbabilityNoPurchase } from '../../pipeline/btyd/bgnbd.js';
import { fitBtydModels } from '../../pipeline/train/fitBtydModels.js';
import { readSummaries, readSummary, summaryParams, summarySql } from '../../pipeline/features/btydSummary.js';
import { addDays } from '../../pipeline/db/Database.js';
import { buildBtydFeatures } from '../../pipeline/features/btydFeatures.js';
import { buildSnapshots, planSnapshots } from '../../pipeline/features/snapshots.js';
import { SampleTables, buildTrainingSample, sampleUse } from '../../pipeline/features/trainingSample.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

const AS_OF = '2026-09-30';
const PLAN = planSnapshots({ asOf: AS_OF, horizonDays: 90, count: 3, spacingDays: 60 }, '2024-01-01');
let base: DemoBase;
beforeAll(async () => {
  base = await demoBase(2000, 11);
});
afterAll(() => base.close());

test("BG/NBD is fitted on part of the sample's histories at each cutoff and applied to every customer at the holdout and as-of", async () => {
  const { db } = base;
  const sample = await buildTrainingSample(db, 700, 42, 400);
  expect(sampleUse(sample)).toEqual({ sampled: 'sample', fitOn: 'fit' });
  const tables = new SampleTables(db);
  await buildSnapshots(db, PLAN, 90, await tables.sources('sample'));
  const fits = await buildBtydFeatures(db, tables, { sample: PLAN.trainCutoffs, everyone: [PLAN.holdoutCutoff, AS_OF] }, 90, sampleUse(sample));
  // Every cutoff's fit is returned, in the order fitted.
  expect([...fits.keys()]).toEqual([...PLAN.trainCutoffs, PLAN.holdoutCutoff, AS_OF]);
  const counts = await db.all<{ as_of: string; n: number; outside: number }>(`SELECT as_of, count(*) AS n,
      count(*) FILTER (WHERE customer_id NOT IN (SELECT customer_id FROM training_sample)) AS outside
    FROM btyd_features GROUP BY as_of ORDER BY as_of`);
  expect(counts.map((c) => c.as_of)).toEqual([...PLAN.trainCutoffs].sort().concat([PLAN.holdoutCutoff, AS_OF]));
  for (const c of counts) {
    if (PLAN.trainCutoffs.includes(c.as_of)) {
      // the training cutoffs hold the whole sample known then, not only the 400 the fit read
      expect(c.outside).toBe(0);
      expect(c.n).toBe(await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'train' AND CAST(as_of AS VARCHAR) = $1`, [c.as_of]));
    } else expect(c.outside).toBeGreaterThan(c.n / 2);
  }
  expect(counts.find((c) => c.as_of === AS_OF)!.n).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));

  // The fit at as-of is the fit subset's: the same parameters as fitting it directly, not the sample's or the base's.
  const onSubset = await fitBtydModels(db, await tables.orders('fit'), AS_OF);
  const onSample = await fitBtydModels(db, await tables.orders('sample'), AS_OF);
  const onAll = await fitBtydModels(db, 'orders', AS_OF);
  const fit = fits.get(AS_OF)!;
  expect(fit.params.r).toBeCloseTo(onSubset.bgnbd.r, 6);
  expect(fit.params.r).not.toBeCloseTo(onSample.bgnbd.r, 6);
  expect(fit.params.r).not.toBeCloseTo(onAll.bgnbd.r, 6);
  expect(onSubset.customers).toBeLessThan(onSample.customers);
  await tables.drop();

  // ...and every customer's figures are that fit applied to the customer's own history (expected purchases by the
  // closed form, not the curve the features use), the horizon in the season's time (btyd_season_index x 90 days, in weeks).
  const rows = await db.all<{ customer_id: string; x: number; t_x: number; T: number; btyd_p_alive: number; btyd_expected_purchases: number; btyd_p_no_purchase: number; btyd_season_index: number }>(`
    SELECT s.customer_id, s.x, s.t_x, s."T", b.btyd_p_alive, b.btyd_expected_purchases, b.btyd_p_no_purchase, b.btyd_season_index
    FROM (${summarySql()}) s JOIN btyd_features b ON b.customer_id = s.customer_id AND b.as_of = $as_of
    WHERE s.customer_id NOT IN (SELECT customer_id FROM training_sample) ORDER BY s.customer_id`,
  { ...summaryParams('orders', AS_OF, 7), as_of: AS_OF });
  expect(rows.length).toBeGreaterThan(1000);
  expect(new Set(rows.map((r) => r.x)).size).toBeGreaterThan(5);
  for (const r of rows) {
    const horizon = (r.btyd_season_index * 90) / 7;
    expect(r.btyd_p_alive).toBeCloseTo(bgnbdPAlive(fit.params, r.x, r.t_x, r.T), 12);
    expect(r.btyd_expected_purchases).toBeCloseTo(bgnbdConditionalExpected(fit.params, horizon, r.x, r.t_x, r.T), 9);
    expect(r.btyd_p_no_purchase).toBeCloseTo(bgnbdProbabilityNoPurchase(fit.params, horizon, r.x, r.t_x, r.T), 12);
  }
});

test('the summaries at every cutoff in one pass are the rows the summary gives at each cutoff', async () => {
  const { db } = base;
  const cutoffs = [...PLAN.trainCutoffs, PLAN.holdoutCutoff, AS_OF];
  await db.run('CREATE OR REPLACE TEMP TABLE summary_orders AS SELECT customer_id, order_date, amount FROM orders');
  const order = (customer: string | null, day: string, amount: string) =>
    db.run('INSERT INTO summary_orders VALUES ($1, CAST($2 AS DATE), CAST($3 AS DECIMAL(18, 2)))', [customer, day, amount]);
  // Three invoices on a cutoff's day and a refund the same day, one the day after; a refund before any purchase;
  // a guest; a customer whose first purchase comes after the first cutoffs; a customer with refunds only.
  for (const a of ['10.00', '20.50', '5.25', '-3.00']) await order('X', PLAN.trainCutoffs[1]!, a);
  await order('X', addDays(PLAN.trainCutoffs[1]!, 1), '-4.00');
  await order('X', addDays(PLAN.trainCutoffs[1]!, 20), '7.00');
  await order('X', addDays(PLAN.trainCutoffs[0]!, -3), '8.00');
  await order('X', addDays(PLAN.trainCutoffs[0]!, 1), '-2.00');
  await order('Y', addDays(PLAN.trainCutoffs[2]!, -30), '-9.00');
  await order('Y', PLAN.trainCutoffs[0]!, '30.00');
  await order('Y', addDays(PLAN.holdoutCutoff, -1), '-30.00');
  await order(null, PLAN.trainCutoffs[2]!, '99.00');
  await order('Z', addDays(PLAN.trainCutoffs[2]!, -5), '-1.00');
  const together = await readSummaries(db, 'summary_orders', cutoffs, 7);
  expect([...together.keys()]).toEqual(cutoffs);
  for (const c of cutoffs) {
    const alone = await readSummary(db, 'summary_orders', c, 7);
    expect(alone.rows.length).toBeGreaterThan(100);
    expect(together.get(c)).toEqual(alone);
  }
  // X counted from its first day on, with its same-day refund on no repeat day; Y not before its first purchase; Z and the guest never.
  const x = (c: string) => { const s = together.get(c)!; return s.rows[s.ids.indexOf('X')]; };
  expect(x(PLAN.trainCutoffs[2]!)).toBeUndefined();
  expect(x(PLAN.trainCutoffs[1]!)).toEqual({ x: 0, t_x: 0, T: 0, mean_repeat_value: NaN });
  // The cutoffs are 60 days apart: at the later one, repeat days 20 and 57 days after the first, the refund after it left to later.
  expect(x(PLAN.trainCutoffs[0]!)).toEqual({ x: 2, t_x: 57 / 7, T: 60 / 7, mean_repeat_value: (7 + 8 - 4) / 2 });
  expect(x(PLAN.holdoutCutoff)).toMatchObject({ x: 2, mean_repeat_value: (7 + 8 - 4 - 2) / 2 });
  expect(together.get(PLAN.trainCutoffs[1]!)!.ids).not.toContain('Y');
  expect(together.get(PLAN.holdoutCutoff)!.rows[together.get(PLAN.holdoutCutoff)!.ids.indexOf('Y')]).toMatchObject({ x: 0 });
  for (const s of together.values()) expect(s.ids.filter((id) => id === 'Z' || id === null)).toEqual([]);
});

test('the fits per cutoff made on a thread of their own are the ones made here: the same table and the same fits, figure for figure', async () => {
  const { db } = base;
  const sample = await buildTrainingSample(db, 700, 42, 400);
  const tables = new SampleTables(db);
  const cutoffs = { sample: PLAN.trainCutoffs, everyone: [PLAN.holdoutCutoff] };
  const warnings: unknown[] = [];
  const log = { warn: (...a: unknown[]) => warnings.push(a) } as unknown as Logger;
  // The compiled fitting thread, behind a script that leaves a mark when a thread loads it.
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-fit-'));
  const marked = join(dir, 'marked.mjs');
  writeFileSync(marked, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(join(dir, 'loaded'))}, 'x');\nawait import(${JSON.stringify(pathToFileURL(compiledWorker('btyd/fitWorker.js')).href)});\n`);
  const away = await buildBtydFeatures(db, tables, cutoffs, 90, sampleUse(sample), 7, true, 'btyd_features_away', { threads: 2, log, script: marked });
  expect(readFileSync(join(dir, 'loaded'), 'utf8')).toBe('x');
  // with one thread, here (no thread loads the script)
  const here = await buildBtydFeatures(db, tables, cutoffs, 90, sampleUse(sample), 7, true, 'btyd_features_here', { threads: 1, log, script: marked });
  expect(readFileSync(join(dir, 'loaded'), 'utf8')).toBe('x');
  await tables.drop();
  expect(warnings).toEqual([]);
  expect([...away.keys()]).toEqual([...here.keys()]);
  expect([...away.values()]).toEqual([...here.values()]);
  const table = (name: string) => db.all(`SELECT * FROM ${name} ORDER BY rowid`);
  const rows = await table('btyd_features_here');
  expect(rows.length).toBeGreaterThan(2000);
  expect(await table('btyd_features_away')).toEqual(rows);
  // A thread that fails as it loads: said, and the same fits made here.
  const broken = join(dir, 'broken.mjs');
  writeFileSync(broken, 'throw new Error("the thread fails as it loads");\n');
  const again = await buildBtydFeatures(db, new SampleTables(db), cutoffs, 90, sampleUse(sample), 7, true, 'btyd_features_again', { threads: 2, log, script: broken });
  expect(warnings).toHaveLength(1);
  expect(JSON.stringify(warnings[0])).toContain('the thread fails as it loads');
  expect([...again.values()]).toEqual([...here.values()]);
  expect(await table('btyd_features_again')).toEqual(rows);
});
