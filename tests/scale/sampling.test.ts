import { beforeAll, afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bgnbdPAlive } from '../../pipeline/btyd/bgnbd.js';
import { buildBtydFeatures, fitBtydModels } from '../../pipeline/btyd/btydStage.js';
import { summarySql } from '../../pipeline/btyd/summary.js';
import { Database } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { buildFeatures, buildSnapshots, buildTrainingSample, planSnapshots, sampleUse } from '../../pipeline/features/buildFeatures.js';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';

// A generated base of 3,000 customers, sampled to a third: what a million-customer base does with
// training.sampleCustomers, at a size a test affords.
const AS_OF = '2026-09-30';
const PLAN = planSnapshots({ asOf: AS_OF, horizonDays: 90, count: 3, spacingDays: 60 }, '2024-01-01');
let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fidelio-sample-'));
  const files = generateDemoData(dir, { customers: 3000, seed: 11, months: 30 });
  db = await Database.open(join(dir, 'f.duckdb'));
  await migrate(db);
  await ingestInputs(db, { orders: [files.orders], customers: [files.customers], tickets: [files.tickets] },
    { runId: 'r', runTime: new Date('2026-11-01T00:00:00Z'), currency: 'USD', delimiter: ',', columns: { orders: {}, customers: {}, tickets: {} } }, silentLogger);
  await buildFeatures(db, AS_OF);
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const strataSql = `SELECT least(orders_count, 5) * 10 + CASE WHEN recency_days <= 90 THEN 0 WHEN recency_days <= 365 THEN 1 ELSE 2 END AS stratum,
    count(*) AS n, count(s.customer_id) AS sampled
  FROM customer_features f LEFT JOIN training_sample s USING (customer_id) GROUP BY ALL ORDER BY stratum`;

describe('the training sample', () => {
  test('takes each stratum of purchase count and recency in proportion, the same customers for the same seed', async () => {
    const sample = await buildTrainingSample(db, 1000, 42);
    const customers = await db.value<number>('SELECT count(*) FROM customer_features');
    expect(sample).toEqual({ customers, sampled: expect.any(Number), partial: true, btydFit: sample.sampled });
    const share = 1000 / customers;
    const strata = await db.all<{ stratum: number; n: number; sampled: number }>(strataSql);
    expect(strata.length).toBeGreaterThanOrEqual(8);
    for (const s of strata) expect(s.sampled).toBe(Math.round(s.n * share));
    expect(sample.sampled).toBe(strata.reduce((t, s) => t + s.sampled, 0));

    const first = await db.all('SELECT customer_id FROM training_sample ORDER BY customer_id');
    await buildTrainingSample(db, 1000, 42);
    expect(await db.all('SELECT customer_id FROM training_sample ORDER BY customer_id')).toEqual(first);
    await buildTrainingSample(db, 1000, 43);
    const other = await db.all<{ customer_id: string }>('SELECT customer_id FROM training_sample ORDER BY customer_id');
    const overlap = other.filter((r) => first.some((f) => f.customer_id === r.customer_id)).length;
    // Another seed draws another sample: about a third of it overlaps the first by chance.
    expect(overlap).toBeLessThan(0.5 * other.length);
  });

  test('a base no larger than the size is taken whole', async () => {
    const sample = await buildTrainingSample(db, 5000, 42);
    expect(sample.partial).toBe(false);
    expect(sample.sampled).toBe(sample.customers);
  });

  test("sampled snapshots hold the sample's customers with the same features; the holdout holds everyone", async () => {
    await buildTrainingSample(db, 5000, 42);
    await buildSnapshots(db, PLAN, 90);
    await db.run('CREATE OR REPLACE TABLE snapshots_whole AS SELECT * FROM training_snapshots');
    const sample = await buildTrainingSample(db, 1000, 42);
    await buildSnapshots(db, PLAN, 90, sample);

    const trainCustomers = await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'train'
      AND customer_id NOT IN (SELECT customer_id FROM training_sample)`);
    expect(trainCustomers).toBe(0);
    // Every column of every sampled row is what the whole computation gives for that customer and cutoff.
    const restricted = `(SELECT * FROM snapshots_whole WHERE split = 'holdout' OR customer_id IN (SELECT customer_id FROM training_sample))`;
    expect(await db.value<number>(`SELECT count(*) FROM (SELECT * FROM training_snapshots EXCEPT ALL SELECT * FROM ${restricted})`)).toBe(0);
    expect(await db.value<number>(`SELECT count(*) FROM (SELECT * FROM ${restricted} EXCEPT ALL SELECT * FROM training_snapshots)`)).toBe(0);
    const holdout = await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'holdout'`);
    expect(holdout).toBe(await db.value<number>(`SELECT count(DISTINCT customer_id) FROM orders WHERE order_date <= $1 AND amount >= 0`, [PLAN.holdoutCutoff]));
    expect(await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'train'`))
      .toBeLessThan(0.5 * (await db.value<number>(`SELECT count(*) FROM snapshots_whole WHERE split = 'train'`)));
  });

  test("BG/NBD is fitted on part of the sample's histories and applied to every customer at the holdout and as-of", async () => {
    const sample = await buildTrainingSample(db, 1000, 42, 600);
    expect(sample.btydFit).toBe(600);
    expect(sampleUse(sample)).toEqual({ sampled: 'sample', fitOn: 'fit' });
    const fits = await buildBtydFeatures(db, { sample: PLAN.trainCutoffs, everyone: [PLAN.holdoutCutoff, AS_OF] }, 90, sampleUse(sample));
    const counts = await db.all<{ as_of: string; n: number; outside: number }>(`SELECT as_of, count(*) AS n,
        count(*) FILTER (WHERE customer_id NOT IN (SELECT customer_id FROM training_sample)) AS outside
      FROM btyd_features GROUP BY as_of ORDER BY as_of`);
    for (const c of counts) {
      if (PLAN.trainCutoffs.includes(c.as_of)) {
        // the training cutoffs hold the whole sample known then, not only the 600 the fit read
        expect(c.outside).toBe(0);
        expect(c.n).toBe(await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE split = 'train' AND CAST(as_of AS VARCHAR) = $1`, [c.as_of]));
      } else expect(c.outside).toBeGreaterThan(c.n / 2);
    }
    expect(counts.find((c) => c.as_of === AS_OF)!.n).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));

    // The fit at as-of is the fit subset's: the same parameters as fitting it directly, not the sample's or the base's.
    const onSubset = await fitBtydModels(db, AS_OF, { customers: 'fit' });
    const onSample = await fitBtydModels(db, AS_OF, { customers: 'sample' });
    const onAll = await fitBtydModels(db, AS_OF, { customers: 'all' });
    const fit = fits.get(AS_OF)!;
    expect(fit.params.r).toBeCloseTo(onSubset.bgnbd.r, 6);
    expect(fit.params.r).not.toBeCloseTo(onSample.bgnbd.r, 6);
    expect(fit.params.r).not.toBeCloseTo(onAll.bgnbd.r, 6);
    expect(onSubset.customers).toBe(await db.value<number>(`SELECT count(*) FROM customer_features WHERE customer_id IN (SELECT customer_id FROM training_sample WHERE fits_btyd)`));
    expect(onSubset.customers).toBeLessThan(onSample.customers);

    // ...and every customer's P(alive) is that fit applied to the customer's own history.
    const rows = await db.all<{ customer_id: string; x: number; t_x: number; T: number; btyd_p_alive: number }>(`
      SELECT s.customer_id, s.x, s.t_x, s."T", b.btyd_p_alive
      FROM (${summarySql('(SELECT customer_id, order_date AS day, amount FROM orders)')}) s
      JOIN btyd_features b ON b.customer_id = s.customer_id AND b.as_of = $as_of
      WHERE s.customer_id NOT IN (SELECT customer_id FROM training_sample) ORDER BY s.customer_id LIMIT 50`,
    { calibration_end: AS_OF, unit_days: 7, as_of: AS_OF });
    expect(rows).toHaveLength(50);
    for (const r of rows) expect(r.btyd_p_alive).toBeCloseTo(bgnbdPAlive(fit.params, r.x, r.t_x, r.T), 12);
  });
});

describe('batches', () => {
  test('give the same columns as one read, a batch at a time', async () => {
    const sql = `SELECT customer_id, CAST(recency_days AS DOUBLE) AS recency_days, age_years, country FROM customer_features ORDER BY customer_id`;
    const whole = await db.columns(sql);
    const sizes: number[] = [];
    const ids: (string | null)[] = [];
    const recency: number[] = [];
    const age: number[] = [];
    for await (const batch of db.batches(sql, undefined, 1000)) {
      sizes.push(batch.n);
      ids.push(...(batch.columns.customer_id as string[]));
      recency.push(...(batch.columns.recency_days as Float64Array));
      age.push(...(batch.columns.age_years as Float64Array));
    }
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.slice(0, -1).every((n) => n >= 1000)).toBe(true);
    expect(ids).toEqual(whole.customer_id);
    expect(recency).toEqual(Array.from(whole.recency_days as Float64Array));
    // NULL numbers come back as NaN in both.
    expect(age.map((v) => (Number.isNaN(v) ? 'null' : v))).toEqual(Array.from(whole.age_years as Float64Array, (v) => (Number.isNaN(v) ? 'null' : v)));
  });

  test('a numeric column of NULLs is numbers (NaN), in one read as in batches, so training and scoring see it alike', async () => {
    const sql = `SELECT CAST(NULL AS DOUBLE) AS never, CAST(NULL AS VARCHAR) AS label FROM range(3)`;
    const whole = await db.columns(sql);
    expect(whole.never).toBeInstanceOf(Float64Array);
    expect(Array.from(whole.never as Float64Array).every(Number.isNaN)).toBe(true);
    expect(whole.label).toEqual([null, null, null]);
    for await (const batch of db.batches(sql)) {
      expect(batch.columns.never).toBeInstanceOf(Float64Array);
      expect(batch.columns.label).toEqual([null, null, null]);
    }
  });
});

describe('intervals by neighbourhood', () => {
  test('move the bounds less than another set of 40 parameter draws does, and bracket the estimate', async () => {
    const { scoreBtyd } = await import('../../pipeline/btyd/btydStage.js');
    const models = await fitBtydModels(db, AS_OF);
    const options = { model: 'bgnbd' as const, horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 40, seed: 42 };
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
    expect(d!.n).toBeGreaterThan(2000);
    expect(d!.bracketed).toBe(d!.n);
    expect(d!.clv_width).toBeGreaterThan(0.02);
    // The point estimates are the exact ones.
    expect(await db.value<number>(`SELECT count(*) FROM grid_scores g JOIN exact_scores e USING (customer_id)
      WHERE g.expected_purchases <> e.expected_purchases OR g.clv_12m <> e.clv_12m`)).toBe(0);
  });
});

describe('scoring in batches', () => {
  test('gives every customer the scores of one pass over all of them, in any batch size', async () => {
    const { trainNeuralModels, readFeatureColumns, scoreNeural, featureBatches, scoreNeuralInOrder, withBtydFeatures } = await import('../../pipeline/learn/neuralModels.js');
    const { initBackend } = await import('../../pipeline/learn/tfBackend.js');
    await initBackend(silentLogger);
    await buildTrainingSample(db, 5000, 42);
    await buildSnapshots(db, PLAN, 90);
    await buildBtydFeatures(db, { sample: PLAN.trainCutoffs, everyone: [PLAN.holdoutCutoff, AS_OF] }, 90);
    const models = await trainNeuralModels(db, PLAN.trainCutoffs.slice(1), PLAN.trainCutoffs[0]!, 5, silentLogger, { churn: [[8]], value: [[8]] }, 5000);
    const source = withBtydFeatures('customer_features');
    const whole = await readFeatureColumns(db, source);
    const once = scoreNeural(models, whole.data, whole.n);
    const byId = new Map((whole.data.customer_id as string[]).map((id, i) => [id, [once.churn[i], once.value[i]]]));

    let seen = 0;
    for await (const batch of featureBatches(db, source, 'true', 700)) {
      const scored = scoreNeural(models, batch.columns, batch.n);
      (batch.columns.customer_id as string[]).forEach((id, i) => {
        expect([scored.churn[i], scored.value[i]]).toEqual(byId.get(id));
        seen++;
      });
    }
    expect(seen).toBe(whole.n);
    const ordered = await scoreNeuralInOrder(db, models, source, 'true');
    expect(Array.from(ordered.churn)).toEqual(Array.from(once.churn));
    models.churn.model.dispose();
    models.value.model.dispose();
  });
});
