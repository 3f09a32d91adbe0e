import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import type { TrainedModels } from '../../pipeline/learn/trainedModels.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { champion, listModels, loadModelVersion, loadPersonaModel, promote, registerModel, rollback, saveModelVersion, savePersonaModel } from '../../pipeline/registry/registry.js';
import type { PersonaModel } from '../../pipeline/learn/personaClusters.js';
import { existsSync } from 'node:fs';
import { BTYD } from '../train/fakeBacktest.js';
import { withDb, withTempDir } from '../helpers/withDb.js';

beforeAll(async () => {
  await initBackend();
});

const model = (version: string): TrainedModels => ({
  version, churnModel: 'bgnbd', valueModel: 'pareto', btydModel: 'pareto', cells: [], btyd: BTYD, dataFingerprint: 'abc',
  profile: { recency_days: { edges: [1], shares: [0.5, 0.5] } },
  metrics: { holdout: { cutoff: '2026-07-02' }, churn: { model: 'bgnbd', log_loss: 0.4, auc: 0.8, recency_baseline_auc: 0.7 }, value: { model: 'pareto', normalized_gini: 0.6 }, windows: {} },
});

test('a model version is saved to its folder and read back whole', async () => {
  await withTempDir(async (dir) => {
    const path = await saveModelVersion(dir, model('fidelio-aaa'), '2026-09-30');
    const back = await loadModelVersion(path);
    expect(back).toEqual({ ...model('fidelio-aaa'), neural: undefined });
    await expect(loadModelVersion(dir)).rejects.toThrow(/holds no fidelio model/);
  });
});

test("a version's persona model is kept beside it (personas.json), read back with it, and a broken one is refused", async () => {
  await withTempDir(async (dir) => {
    const personas: PersonaModel = {
      format: 1, fitted_as_of: '2026-09-30', fitted_on: 500, k: 2, d: 3, silhouettes: [{ k: 2, silhouette: 0.41 }, { k: 3, silhouette: 0.38 }],
      encoder: { numeric: [{ column: 'avg_order_value', mean: 3.1, sd: 0.7 }], categorical: [{ column: 'channel', levels: ['web', 'app'], means: [0.6, 0.4], scale: 0.6928203230275509 }] },
      centroids: [0.1, 0.2, -0.3, -1 / 3, 1e-17, 2.5], persona_ids: [2, 1],
      names: [{ persona_id: 1, name: 'web buyers', words: 'web buyers', channel: 'web', category: null, country: null }, { persona_id: 2, name: 'big-basket buyers', words: 'big-basket buyers', channel: null, category: null, country: null }],
    };
    // A version saved with personas in hand writes them only into personas.json (model.json is the version's hash's content).
    const path = await saveModelVersion(dir, { ...model('fidelio-ccc'), personas }, '2026-09-30');
    expect(JSON.parse(readFileSync(join(path, 'model.json'), 'utf8'))).not.toHaveProperty('personas');
    expect(loadPersonaModel(path)).toBeUndefined();
    expect((await loadModelVersion(path)).personas).toBeUndefined();
    savePersonaModel(path, personas);
    expect(existsSync(join(path, 'personas.json.partial'))).toBe(false);
    expect(await loadModelVersion(path)).toEqual({ ...model('fidelio-ccc'), neural: undefined, personas });
    writeFileSync(join(path, 'personas.json'), JSON.stringify({ ...personas, d: 2 }));
    await expect(loadModelVersion(path)).rejects.toThrow(/personas\.json does not hold a persona model fidelio can apply/);
  });
});

test('a model version whose metrics.json lost a key its readers rely on is refused, naming the key', async () => {
  await withTempDir(async (dir) => {
    const path = await saveModelVersion(dir, model('fidelio-bbb'), '2026-09-30');
    const file = join(path, 'metrics.json');
    const metrics = JSON.parse(readFileSync(file, 'utf8')) as { churn: Record<string, unknown> };
    // A later version renaming a key the report reads: the champion's metrics would blank that part of the report.
    metrics.churn.log_loss_holdout = metrics.churn.log_loss;
    delete metrics.churn.log_loss;
    writeFileSync(file, JSON.stringify(metrics));
    await expect(loadModelVersion(path)).rejects.toThrow(/metrics\.json does not hold the model metrics fidelio reads: churn\.log_loss: /);
  });
});

test('registered models are challengers until promoted; promotion retires the champion; rollback gives the place back', async () => {
  await withDb(async (db) => {
    await registerModel(db, model('fidelio-aaa'), '/m/aaa', '2026-09-30', 'r1');
    expect((await listModels(db))[0]).toMatchObject({ model_version: 'fidelio-aaa', status: 'challenger', churn_log_loss: 0.4, holdout_cutoff: '2026-07-02' });
    expect(await champion(db)).toBeUndefined();
    await promote(db, 'fidelio-aaa');
    await registerModel(db, model('fidelio-bbb'), '/m/bbb', '2026-10-31', 'r2');
    await promote(db, 'fidelio-bbb');
    expect((await champion(db))!.model_version).toBe('fidelio-bbb');
    expect((await listModels(db)).find((r) => r.model_version === 'fidelio-aaa')!.status).toBe('retired');
    // Training the champion's models again keeps it the champion.
    await registerModel(db, model('fidelio-bbb'), '/m/bbb', '2026-10-31', 'r3');
    expect((await champion(db))!.model_version).toBe('fidelio-bbb');
    expect(await rollback(db)).toBe('fidelio-aaa');
    expect((await champion(db))!.model_version).toBe('fidelio-aaa');
    expect(await db.value('SELECT count(*) FROM backtests')).toBe(3);
    await expect(promote(db, 'fidelio-zzz')).rejects.toThrow(/no model fidelio-zzz/);
  });
});
