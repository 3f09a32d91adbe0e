import { expect, test } from 'vitest';
import { groupSummaries } from '../../pipeline/btyd/summary.js';

test('customers with the same (x, t_x, T) share a weighted group; distinct t_x and T are indexed once each', () => {
  const rows = [
    { x: 2, t_x: 3, T: 10 }, { x: 0, t_x: 0, T: 10 }, { x: 2, t_x: 3, T: 10 },
    { x: 2, t_x: 3, T: 12 }, { x: 0, t_x: 0, T: 10 }, { x: 2, t_x: 3, T: 10 },
  ];
  const g = groupSummaries(rows);
  // Groups in order of first appearance, each weighted by its customers.
  expect(Array.from(g.x)).toEqual([2, 0, 2]);
  expect(Array.from(g.t_x)).toEqual([3, 0, 3]);
  expect(Array.from(g.T)).toEqual([10, 10, 12]);
  expect(Array.from(g.w)).toEqual([3, 2, 1]);
  // The weights count every customer once.
  expect(g.w.reduce((s, v) => s + v, 0)).toBe(rows.length);
  // Each group points at its t_x and T among the distinct values.
  expect(Array.from(g.txValues)).toEqual([3, 0]);
  expect(Array.from(g.TValues)).toEqual([10, 12]);
  g.x.forEach((_, i) => {
    expect(g.txValues[g.txAt[i]!]).toBe(g.t_x[i]);
    expect(g.TValues[g.TAt[i]!]).toBe(g.T[i]);
  });
});
