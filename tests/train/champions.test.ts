import { expect, test } from 'vitest';
import { chooseChampions } from '../../pipeline/train/champions.js';
import { logLoss, normalizedGini } from '../../pipeline/shared/metrics.js';
import { fakeBacktest } from './fakeBacktest.js';

test('churn: the lowest holdout log loss wins (not the best ranking); value: the highest Gini of spend among the networks and the chosen purchase model', () => {
  const b = fakeBacktest();
  const c = chooseChampions(b);
  // The overconfident table ranks perfectly but pays for the buyer it gave 0.97, and loses on log loss.
  expect(logLoss(b.churnScores.bgnbd!, b.churned)).toBeLessThan(logLoss(b.churnScores.rf_table!, b.churned));
  expect(c.churnModel).toBe('bgnbd');
  expect(c.churnCandidates.rf_table.auc).toBeGreaterThan(c.churnCandidates.bgnbd.auc);
  // Pareto/NBD ranks spend better, but the purchase model is BG/NBD (its holdout likelihood): Pareto/NBD is shown, not chosen.
  expect(normalizedGini(b.valueScores.pareto!, b.spend)).toBeGreaterThan(normalizedGini(b.valueScores.bgnbd!, b.spend));
  expect([c.valueModel, c.btydModel]).toEqual(['bgnbd', 'bgnbd']);
  expect(Object.keys(c.valueCandidates)).toEqual(['bgnbd', 'pareto']);
  const pick = chooseChampions({ ...b, btydChoice: { ...b.btydChoice, model: 'pareto' } });
  expect([pick.valueModel, pick.btydModel]).toEqual(['pareto', 'pareto']);
});

test('a candidate no better than a constant is flagged and left out while another remains', () => {
  const b = fakeBacktest();
  // A churn model that says 0.5 to everyone but the churners it gives 0.01: worse than the churn rate for all.
  const broken = Float64Array.from([0.01, 0.01, 0.01, 0.01, 0.5, 0.5, 0.5, 0.5]);
  // A value model 60 times too high: it ranks well, but its errors are worse than the mean spend for everyone.
  const inflated = b.valueScores.bgnbd!.map((v) => v * 60);
  const c = chooseChampions({ ...b, churnScores: { ...b.churnScores, neural: broken }, valueScores: { ...b.valueScores, neural: inflated } });
  expect(c.flagged.map((f) => f.model)).toEqual(['neural', 'neural']);
  expect(c.flagged[0]!.why).toMatch(/^its log loss [\d.]+ is worse than the churn rate for everyone \(0\.6931\)$/);
  expect(c.flagged[1]!.why).toMatch(/^its mean absolute error per customer \([\d.]+\) is worse than the mean spend for everyone/);
  expect(c.churnModel).not.toBe('neural');
  expect(c.valueModel).toBe('bgnbd');
});

test('a model left out of one choice still stands for the other: flags are per choice, not per model name', () => {
  const b = fakeBacktest();
  // BG/NBD's churn scores broken (worse than the churn rate for everyone), its value scores sound and the best.
  const broken = Float64Array.from([0.01, 0.01, 0.01, 0.01, 0.5, 0.5, 0.5, 0.5]);
  // A sound network that ranks spend worse than BG/NBD: the value champion must stay BG/NBD.
  const neural = Float64Array.from([12, 1, 2, 1, 12, 11, 15, 10]);
  expect(normalizedGini(neural, b.spend)).toBeGreaterThan(0);
  expect(normalizedGini(neural, b.spend)).toBeLessThan(normalizedGini(b.valueScores.bgnbd!, b.spend));
  const c = chooseChampions({ ...b, churnScores: { ...b.churnScores, bgnbd: broken }, valueScores: { ...b.valueScores, neural } });
  expect(c.valueModel).toBe('bgnbd');
  expect(c.churnModel).toBe('rf_table');
  expect(c.flagged).toEqual([{ model: 'bgnbd', why: expect.stringMatching(/^its log loss [\d.]+ is worse than the churn rate/), choice: 'churn' }]);
  // And the other way round: a value flag does not leave the model out of the churn choice.
  const inflated = b.valueScores.bgnbd!.map((v) => v * 60);
  const v = chooseChampions({ ...b, churnScores: { rf_table: b.churnScores.rf_table!, bgnbd: b.churnScores.bgnbd! }, valueScores: { ...b.valueScores, bgnbd: inflated, neural } });
  expect(v.flagged.map((f) => [f.model, f.choice])).toEqual([['bgnbd', 'value']]);
  expect([v.churnModel, v.valueModel]).toEqual(['bgnbd', 'neural']);
});
