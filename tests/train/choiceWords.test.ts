import { expect, test } from 'vitest';
import type { Champions } from '../../pipeline/train/champions.js';
import { describeChoice } from '../../pipeline/train/choiceWords.js';

const churn = (log_loss: number, auc: number) => ({ customers: 1000, churn_rate: 0.4, auc, pr_auc: 0.7, brier: 0.13, log_loss });
const value = (normalized_gini: number) => ({ normalized_gini, spearman: 0.5, decile_mape: 0.3 });

/** The demo figures: mbgnbd_penalized beats the network on log loss though its AUC is lower. */
const champions = {
  churnModel: 'mbgnbd_penalized', valueModel: 'neural', btydModel: 'mbgnbd_penalized',
  btyd: { model: 'mbgnbd_penalized', reason: 'mbgnbd_penalized: the highest holdout likelihood of the sound candidates', candidates: [] },
  churnCandidates: { mbgnbd_penalized: churn(0.41299, 0.85929), neural: churn(0.41616, 0.86121), rf_table: churn(0.43, 0.84), bgnbd: churn(0.9, 0.8) },
  valueCandidates: { neural: value(0.62), mbgnbd_penalized: value(0.58), pareto: value(0.7) },
  flagged: [{ model: 'bgnbd', why: 'its log loss 0.9000 is worse than the churn rate for everyone (0.6730)' }],
} as unknown as Champions;

test('the choice in words: the winner, the rule, the margin over the next best, and the baseline', () => {
  const c = describeChoice(champions, 0.84712, 0.55);
  expect(c.churn.text).toBe("mbgnbd_penalized scores churn: the lowest log loss on the holdout (0.41299 against 0.41616 for neural, the next best: 0.00317 lower). "
    + "Its AUC 0.859 is 0.012 above recency alone (0.847); neural's AUC is 0.861. Left out of the choice: bgnbd (its log loss 0.9000 is worse than the churn rate for everyone (0.6730)).");
  expect(c.churn).toMatchObject({ winner: 'mbgnbd_penalized', runner_up: 'neural', figure: 0.41299, runner_up_figure: 0.41616, margin: 0.00317,
    baseline: { name: 'recency_only_auc', figure: 0.84712, margin: 0.01217 } });
  // pareto is not a value candidate (only the network and the chosen purchase model are), so it is not the runner-up.
  expect(c.value.text).toBe('neural predicts value: the highest normalized Gini of holdout spend (0.620 against 0.580 for mbgnbd_penalized: 0.040 higher). Historic value alone ranks 0.550: the champion is 0.070 above it.');
  expect(c.value.margin).toBeCloseTo(0.04, 9);
  expect(c.purchase).toBe('mbgnbd_penalized: the highest holdout likelihood of the sound candidates.');
});

test('a lone candidate and a champion below its baseline are said as such', () => {
  const alone = { ...champions, churnCandidates: { mbgnbd_penalized: churn(0.41, 0.80) }, flagged: [] } as unknown as Champions;
  const c = describeChoice(alone, 0.85, 0.7);
  expect(c.churn.text).toBe('mbgnbd_penalized scores churn: the lowest log loss on the holdout (0.41000, the only candidate left). Its AUC 0.800 is 0.050 below recency alone (0.850).');
  expect(c.churn.runner_up).toBeNull();
  expect(c.value.text).toContain('the champion is 0.080 below it');
});

test('every churn candidate worse than the churn rate for everyone: said plainly, never "the only candidate left"', () => {
  // Holdout churn rate 0.4: giving everyone 0.4 scores a log loss of 0.673; both candidates do worse.
  const rate = 0.4;
  const constant = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
  const none = {
    ...champions, churnModel: 'bgnbd',
    churnCandidates: { bgnbd: churn(0.70, 0.55), neural: churn(0.75, 0.58) },
    flagged: [
      { model: 'bgnbd', why: `its log loss 0.7000 is worse than the churn rate for everyone (${constant.toFixed(4)})` },
      { model: 'neural', why: `its log loss 0.7500 is worse than the churn rate for everyone (${constant.toFixed(4)})` },
    ],
  } as unknown as Champions;
  const c = describeChoice(none, 0.6, 0.55);
  expect(c.churn.text).not.toContain('the only candidate left');
  expect(c.churn.text.startsWith('No churn model beat the constant base rate on the holdout')).toBe(true);
  expect(c.churn.text).toContain('the churn scores (churn_probability, churn_risk and what is ranked by them) are unreliable');
  expect(c.churn).toMatchObject({ winner: 'bgnbd', beats_constant: false, runner_up: null, figure: 0.7 });
  expect(c.churn.warning).toMatch(/^No churn model beat the constant base rate on the holdout.*bgnbd scores churn for want of a better one$/);
  // The value choice, whose winner was not left out, stays as it was.
  expect(c.value).toMatchObject({ beats_constant: true, warning: null });
  // With one candidate left, no warning.
  expect(describeChoice(champions, 0.84712, 0.55).churn).toMatchObject({ beats_constant: true, warning: null });
});

test('a model flagged for churn is still the value runner-up, and the flag names its choice', () => {
  const c = describeChoice({ ...champions, flagged: [{ model: 'mbgnbd_penalized', why: 'its log loss 0.9000 is worse than the churn rate for everyone (0.6730)', choice: 'churn' }] } as unknown as Champions, 0.84712, 0.55);
  // Left out of churn: neural is the churn runner-up; still a value candidate: the value runner-up.
  expect(c.churn.runner_up).toBe('neural');
  expect(c.value.runner_up).toBe('mbgnbd_penalized');
  expect(c.churn.text).toContain('Left out of the choice: mbgnbd_penalized (churn: its log loss 0.9000 is worse than the churn rate for everyone (0.6730)).');
});
