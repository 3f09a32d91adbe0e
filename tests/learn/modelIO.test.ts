import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { folderLoader, folderSaver } from '../../pipeline/learn/modelIO.js';
import { buildMlp, predict, type Matrix } from '../../pipeline/learn/network.js';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { Random } from '../../pipeline/shared/random.js';
import { withTempDir } from '../helpers/withDb.js';

beforeAll(async () => {
  await initBackend();
});

test('a model saved to model.json + weights.bin and loaded back predicts the same, bit for bit', async () => {
  const model = buildMlp(3, { hidden: [8], outputs: 1, activation: 'sigmoid', seed: 9 });
  const rng = new Random(4);
  const x: Matrix = { data: Float32Array.from({ length: 600 }, () => rng.normal()), rows: 200, cols: 3 };
  await withTempDir(async (dir) => {
    await model.save(folderSaver(join(dir, 'm')));
    const json = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(readFileSync(join(dir, 'm', 'weights.bin')).length).toBe((3 * 8 + 8 + 8 + 1) * 4);
    const loaded = await tf.loadLayersModel(folderLoader(join(dir, 'm')));
    expect(Array.from(predict(loaded, x))).toEqual(Array.from(predict(model, x)));
  });
});
