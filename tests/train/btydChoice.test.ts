import { expect, test } from 'vitest';
import type { BtydModels } from '../../pipeline/btyd/fitBtyd.js';
import { chooseBtyd } from '../../pipeline/train/btydChoice.js';
import { BTYD } from './fakeBacktest.js';

test('the purchase model: the best holdout likelihood among the sound candidates; a degenerate fit only when none is sound', () => {
  const report = BTYD.bgnbd.report;
  const noDropout = [{ issue: 'no_dropout' as const, message: 'the data show no dropout (...): P(alive) is not informative' }];
  const models: BtydModels = {
    ...BTYD,
    bgnbd: { ...BTYD.bgnbd, report: { ...report, degenerate: noDropout } },
    mbgnbd: { ...BTYD.bgnbd, report },
    penalized: { strength: 0.001, bgnbd: { ...BTYD.bgnbd, report } },
  };
  const choice = chooseBtyd(models, { bgnbd: -1.0, pareto: -1.4, mbgnbd: -1.2, bgnbd_penalized: -1.1 });
  expect(choice.model).toBe('bgnbd_penalized');
  expect(choice.reason).toBe('bgnbd_penalized: the highest holdout likelihood of the sound candidates (bgnbd scored higher but leave P(alive) uninformative)');
  expect(choice.candidates.find((k) => k.name === 'bgnbd')).toMatchObject({ sound: false, degenerate: [noDropout[0]!.message] });
  // Every candidate degenerate: the best of them, said to be uninformative.
  const all = { ...models, pareto: { ...models.pareto, report: { ...report, degenerate: noDropout } }, mbgnbd: { ...BTYD.bgnbd, report: { ...report, degenerate: noDropout } }, penalized: undefined };
  const none = chooseBtyd(all, { bgnbd: -1.0, pareto: -1.4, mbgnbd: -1.2 });
  expect(none.model).toBe('bgnbd');
  expect(none.reason).toMatch(/^bgnbd: no candidate is sound \(.*\); P\(alive\) is not informative$/);
});
