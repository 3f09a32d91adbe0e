import { beforeAll, expect, test } from 'vitest';
import type { TrainedModels } from '../../pipeline/learn/trainedModels.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { silentLogger } from '../../pipeline/log.js';
import { adoptChallenger, reusableChampion } from '../../pipeline/registry/champion.js';
import { profileFeatures } from '../../pipeline/registry/drift.js';
import { join } from 'node:path';
import type { PersonaModel } from '../../pipeline/learn/personaClusters.js';
import { champion, loadModelVersion, savePersonaModel } from '../../pipeline/registry/registry.js';
import { BTYD } from '../train/fakeBacktest.js';
import { withDb, withTempDir } from '../helpers/withDb.js';

beforeAll(async () => {
  await initBackend();
});

async function features(db: Parameters<typeof profileFeatures>[0], shift = 0) {
  await db.run(`CREATE OR REPLACE TABLE customer_features AS SELECT i AS customer_id, (i % 100) + $1 AS recency_days, 1 + i % 7 AS purchase_days,
    CAST(10 * (i % 50) AS DECIMAL(18, 2)) AS net_spend, 20.0 + i % 9 AS avg_order_value, 100 + i % 300 AS tenure_days FROM range(1000) t(i)`, [shift]);
}

const model = async (db: Parameters<typeof profileFeatures>[0], version: string, logLoss: number): Promise<TrainedModels> => ({
  version, churnModel: 'bgnbd', valueModel: 'bgnbd', btydModel: 'bgnbd', cells: [], btyd: BTYD, dataFingerprint: 'f', profile: await profileFeatures(db),
  metrics: { model_version: version, holdout: { cutoff: '2026-07-02' }, churn: { model: 'bgnbd', log_loss: logLoss, auc: 0.9, recency_baseline_auc: 0.8 }, value: { model: 'bgnbd', normalized_gini: 0.7 } },
});

const policy = { always: false, maxAgeDays: 30, maxPsi: 0.2, neural: true };

test('a better challenger is promoted; a worse one is registered but the champion scores, with the challenger beside it', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    await features(db);
    const first = await adoptChallenger(db, await model(db, 'fidelio-one', 0.40), dir, '2026-09-30', 'r1', silentLogger);
    expect(first.decision).toMatchObject({ trained: 'fidelio-one', promoted: true });
    const worse = await adoptChallenger(db, await model(db, 'fidelio-two', 0.45), dir, '2026-09-30', 'r2', silentLogger);
    expect(worse.decision).toMatchObject({ trained: 'fidelio-two', promoted: false });
    expect(worse.models.version).toBe('fidelio-one');
    expect(worse.models.metrics.challenger).toMatchObject({ model_version: 'fidelio-two' });
    expect((await champion(db))!.model_version).toBe('fidelio-one');
    const better = await adoptChallenger(db, await model(db, 'fidelio-three', 0.35), dir, '2026-09-30', 'r3', silentLogger);
    expect(better.decision.promoted).toBe(true);
    expect(better.models.version).toBe('fidelio-three');
  }));
});

test('the champion is reused while recent and the base has not drifted; --retrain, age or drift send the run to training', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    await features(db);
    expect(await reusableChampion(db, '2026-09-30', policy, silentLogger)).toBeUndefined();
    await adoptChallenger(db, await model(db, 'fidelio-one', 0.4), dir, '2026-09-30', 'r1', silentLogger);
    const reused = await reusableChampion(db, '2026-10-10', policy, silentLogger);
    expect(reused!.models.version).toBe('fidelio-one');
    expect(reused!.decision).toMatchObject({ trained: null, promoted: false });
    expect(reused!.decision.reason).toContain('still fits: largest PSI 0.000');
    expect(await reusableChampion(db, '2026-10-10', { ...policy, always: true }, silentLogger)).toBeUndefined();
    expect(await reusableChampion(db, '2026-12-31', policy, silentLogger)).toBeUndefined();
    await features(db, 80);
    expect(await reusableChampion(db, '2026-10-10', policy, silentLogger)).toBeUndefined();
  }));
});

const PERSONAS: PersonaModel = {
  format: 1, fitted_as_of: '2026-09-30', fitted_on: 40, k: 2, d: 1, silhouettes: [{ k: 2, silhouette: 0.6 }],
  encoder: { numeric: [{ column: 'orders_per_year', mean: 0.5, sd: 0.25 }], categorical: [] },
  centroids: [1, -1], persona_ids: [2, 1], names: [{ persona_id: 1, name: 'occasional buyers', words: 'occasional buyers', channel: null, category: null, country: null }],
};

test("a version's kept personas go with it: reused, kept against a worse challenger, trained again to itself; a new version has none", async () => {
  await withTempDir((dir) => withDb(async (db) => {
    await features(db);
    const first = await adoptChallenger(db, await model(db, 'fidelio-one', 0.4), dir, '2026-09-30', 'r1', silentLogger);
    expect(first.dir).toBe(join(dir, 'fidelio-one'));
    expect(first.models.personas).toBeUndefined();
    // The score stage keeps the personas it fitted at the version's first scoring.
    savePersonaModel(first.dir, PERSONAS);
    const reused = await reusableChampion(db, '2026-10-10', policy, silentLogger);
    expect(reused!.dir).toBe(first.dir);
    expect(reused!.models.personas).toEqual(PERSONAS);
    const worse = await adoptChallenger(db, await model(db, 'fidelio-two', 0.45), dir, '2026-09-30', 'r2', silentLogger);
    expect([worse.models.version, worse.dir]).toEqual(['fidelio-one', first.dir]);
    expect(worse.models.personas).toEqual(PERSONAS);
    expect((await loadModelVersion(join(dir, 'fidelio-two'))).personas).toBeUndefined();
    const same = await adoptChallenger(db, await model(db, 'fidelio-one', 0.4), dir, '2026-09-30', 'r3', silentLogger);
    expect(same.decision.unchanged).toBe(true);
    expect(same.models.personas).toEqual(PERSONAS);
    const better = await adoptChallenger(db, await model(db, 'fidelio-three', 0.35), dir, '2026-09-30', 'r4', silentLogger);
    expect([better.models.version, better.dir, better.models.personas]).toEqual(['fidelio-three', join(dir, 'fidelio-three'), undefined]);
  }));
});
