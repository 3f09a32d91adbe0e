import { expect, test } from 'vitest';
import { chooseChampions } from '../../pipeline/train/champions.js';
import { logLoss, normalizedGini } from '../../pipeline/shared/metrics.js';
import { fakeBacktest } from './fakeBacktest.js';

test('churn: the lowest holdout log loss wins (not the best ranking); value and the BTYD model: the highest Gini of spend', () => {
  const b = fakeBacktest();
  const c = chooseChampions(b);
  // The overconfident table ranks perfectly but pays for the buyer it gave 0.97, and loses on log loss.
  expect(logLoss(b.churnScores.bgnbd!, b.churned)).toBeLessThan(logLoss(b.churnScores.rf_table!, b.churned));
  expect(c.churnModel).toBe('bgnbd');
  expect(c.churnCandidates.rf_table.auc).toBeGreaterThan(c.churnCandidates.bgnbd.auc);
  expect(normalizedGini(b.valueScores.pareto!, b.spend)).toBeGreaterThan(normalizedGini(b.valueScores.bgnbd!, b.spend));
  expect([c.valueModel, c.btydModel]).toEqual(['pareto', 'pareto']);
  expect(Object.keys(c.valueCandidates)).toEqual(['bgnbd', 'pareto']);
});
