import { expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { modelMetricsSchema, parseModelMetrics } from '../../pipeline/shared/modelMetrics.js';
import { chooseChampions } from '../../pipeline/train/champions.js';
import { backtestMetrics, modelMetrics, seasonAheadFigures } from '../../pipeline/train/modelMetrics.js';
import { BTYD, fakeBacktest } from '../train/fakeBacktest.js';

/** What the train stage writes, as the file holds it (through JSON, where NaN becomes null). */
function written(): Record<string, unknown> {
  const b = fakeBacktest();
  const m = backtestMetrics(b, chooseChampions(b), { holdoutCutoff: '2026-07-02', trainCutoffs: ['2026-04-03'] }, '2026-09-30', 90, undefined);
  return JSON.parse(JSON.stringify(modelMetrics('fidelio-abc', m, BTYD, seasonAheadFigures(BTYD.season, '2026-09-30', 90)))) as Record<string, unknown>;
}

test("the producer's metrics, read back from JSON, are what the readers rely on, returned as read", () => {
  const json = written();
  const text = JSON.stringify(json);
  const metrics = parseModelMetrics(json, 'metrics.json');
  // The same object, keys in the same order: a kept champion's metrics publish byte for byte.
  expect(metrics).toBe(json);
  expect(JSON.stringify(metrics)).toBe(text);
  expect(metrics.churn.model).toBe('bgnbd');
  // Keys the readers do not rely on are kept (the schema checks, it does not strip).
  expect(Object.keys(metrics)).toContain('btyd_fit_at_holdout');
});

test('a key the readers rely on renamed, missing or of another type is an error naming it', () => {
  const churn = written().churn as Record<string, unknown>;
  const { recency_baseline_auc, ...renamed } = churn;
  const drifted = { ...written(), churn: { ...renamed, recency_auc: recency_baseline_auc } };
  expect(() => parseModelMetrics(drifted, 'models/v1/metrics.json')).toThrow(DataError);
  expect(() => parseModelMetrics(drifted, 'models/v1/metrics.json')).toThrow(/^models\/v1\/metrics\.json does not hold the model metrics fidelio reads: churn\.recency_baseline_auc: /);
  const { holdout: _h, ...noHoldout } = written();
  expect(() => parseModelMetrics(noHoldout, 'x.json')).toThrow(/holdout: /);
  expect(() => parseModelMetrics({ ...written(), btyd_model: { ...(written().btyd_model as object), candidates: { bgnbd: { holdout_log_likelihood: '-1.5', sound: true, degenerate: [] } } } }, 'x.json'))
    .toThrow(/btyd_model\.candidates\.bgnbd\.holdout_log_likelihood: /);
  expect(() => parseModelMetrics([], 'x.json')).toThrow(/\(the whole file\)/);
});

test('a figure that was not a number is null in the file; a kept champion carries its challenger, checked too', () => {
  const json = written();
  (json.churn as Record<string, unknown>).auc = null;
  // A gain curve over a holdout without churners: the caught shares are not numbers.
  (json.churn as Record<string, unknown>).gain = { bgnbd: [[0, 0], [0.05, null]] };
  expect(modelMetricsSchema.safeParse(json).success).toBe(true);
  const kept = { ...written(), challenger: written() };
  expect(parseModelMetrics(kept, 'm.json').challenger?.churn.model).toBe('bgnbd');
  const badChallenger = { ...written(), challenger: { ...written(), value: { normalized_gini: 0.5 } } };
  expect(() => parseModelMetrics(badChallenger, 'm.json')).toThrow(/^m\.json \(its challenger\) does not hold .*value\.model: /);
});
