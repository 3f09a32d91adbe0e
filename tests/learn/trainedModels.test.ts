import { beforeAll, expect, test } from 'vitest';
import type { BtydModels } from '../../pipeline/btyd/fitBtyd.js';
import { buildMlp } from '../../pipeline/learn/network.js';
import type { NeuralModels } from '../../pipeline/learn/neuralModels.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { modelVersion } from '../../pipeline/learn/trainedModels.js';

beforeAll(async () => {
  await initBackend();
});

const report = { log_likelihood: -1, converged: true, iterations: 1, gradient_norm: 0, standard_errors: null, log_covariance: null, warnings: [], degenerate: [] };
const btyd: BtydModels = {
  calibration_end: '2026-09-30', unit_days: 7, customers: 10,
  bgnbd: { r: 1, alpha: 2, a: 3, b: 4, report }, pareto: { r: 1, alpha: 2, s: 3, beta: 4, report }, gamma_gamma: { p: 1, q: 2, gamma: 3, report },
};

test('the version is a hash of what the models are: the same models the same version, any change another', () => {
  const base = { churnModel: 'bgnbd' as const, valueModel: 'pareto' as const, btydModel: 'pareto' as const, cells: [], btyd };
  const v = modelVersion(base);
  expect(v).toMatch(/^fidelio-[0-9a-f]{12}$/);
  expect(modelVersion({ ...base })).toBe(v);
  expect(modelVersion({ ...base, churnModel: 'rf_table' })).not.toBe(v);
  expect(modelVersion({ ...base, btyd: { ...btyd, bgnbd: { ...btyd.bgnbd, r: 1.0000001 } } })).not.toBe(v);
  const neural = (seed: number) => ({
    preprocessor: { numeric: [], categorical: [], columns: [] },
    churn: { model: buildMlp(2, { hidden: [2], outputs: 1, activation: 'sigmoid', seed }), platt: { a: 1, b: 0 } },
    value: { model: buildMlp(2, { hidden: [2], outputs: 3, activation: 'linear', seed }) },
  }) as unknown as NeuralModels;
  expect(modelVersion({ ...base, neural: neural(1) })).toBe(modelVersion({ ...base, neural: neural(1) }));
  expect(modelVersion({ ...base, neural: neural(1) })).not.toBe(modelVersion({ ...base, neural: neural(2) }));
});
