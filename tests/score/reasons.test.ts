import { expect, test } from 'vitest';
import { chooseWithin } from '../../pipeline/score/reasons.js';

// The reasons' texts, bounded and decided by the network, are tested in occlusionReasons.test.ts,
// the threads that bound them in reasonsPool.test.ts and reasonsWorker.test.ts.

test('chooseWithin: bounds apart decide the groups and their order; bounds that meet leave it to the network', () => {
  // own 0.9; copies: group 0 at 0.5 (effect 0.4), group 1 at 0.7 (0.2), group 2 at 0.895 (0.005, not clear)
  const lo = Float64Array.from([0.9 - 1e-6, 0.5 - 1e-6, 0.7 - 1e-6, 0.895 - 1e-6]);
  const hi = Float64Array.from([0.9 + 1e-6, 0.5 + 1e-6, 0.7 + 1e-6, 0.895 + 1e-6]);
  expect(chooseWithin(lo, hi)).toEqual([0, 1]);
  // group 2's effect straddles the 0.01 threshold
  lo[3] = 0.889;
  hi[3] = 0.892;
  expect(chooseWithin(lo, hi)).toBeNull();
  // groups 0 and 1 too close to order
  lo[3] = 0.895 - 1e-6;
  hi[3] = 0.895 + 1e-6;
  lo[2] = 0.5 - 1e-7;
  hi[2] = 0.5 + 2e-6;
  expect(chooseWithin(lo, hi)).toBeNull();
  // no clear group: the largest effect alone, when it is apart from the others
  const none = chooseWithin(Float64Array.from([0.3, 0.298, 0.295, 0.299]), Float64Array.from([0.3, 0.298, 0.295, 0.299]));
  expect(none).toEqual([1]);
});
