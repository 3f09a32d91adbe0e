import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { loadNeural, saveNeural } from '../../pipeline/learn/neuralIO.js';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { buildMlp, predict } from '../../pipeline/learn/network.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { withTempDir } from '../helpers/withDb.js';

beforeAll(async () => {
  await initBackend();
});

test('both networks and their preprocessing are saved to a folder and loaded back whole', async () => {
  const models: NeuralModels = {
    preprocessor: { numeric: [{ name: 'a', transform: 'none', mean: 0, std: 1, missingIndicator: false }], categorical: [], columns: ['a'] },
    churn: { model: buildMlp(1, { hidden: [2], outputs: 1, activation: 'sigmoid', seed: 1 }), hidden: [2], platt: { a: 1.1, b: -0.2 }, validationLoss: 0.4, epochs: 7, candidates: [] },
    value: { model: buildMlp(1, { hidden: [2], outputs: 3, activation: 'linear', seed: 2 }), hidden: [2], validationLoss: 2.5, epochs: 5, candidates: [] },
    window: { fitCutoffs: ['2026-01-01'], validationCutoff: '2026-03-01', fitRows: 100, validationRows: 40 },
  };
  await withTempDir(async (dir) => {
    await saveNeural(models, join(dir, 'neural'));
    const back = await loadNeural(join(dir, 'neural'));
    expect(back.churn.platt).toEqual({ a: 1.1, b: -0.2 });
    expect(back.window).toEqual(models.window);
    const x = { data: Float32Array.from([0.1, 0.5, -2]), rows: 3, cols: 1 };
    expect(Array.from(predict(back.value.model, x))).toEqual(Array.from(predict(models.value.model, x)));
  });
});
