import { expect, test } from 'vitest';
import { FREQUENCY_EDGES, RECENCY_EDGES, learnRfTable } from '../../pipeline/learn/rfTableModel.js';

test('from counts: each cell shrunk toward its recency row by 20 pseudo-customers, empty rows from the nearest learnt one, versioned by content', () => {
  // Recency row 0: two cells (10 customers, 6 churned; 30 customers, 3 churned); row 4: one cell; the other rows empty.
  const counts = [
    { r: 0, f: 0, n: 10, churned: 6, purchases: 4, spend_ratio: 5 },
    { r: 0, f: 2, n: 30, churned: 3, purchases: 60, spend_ratio: 45 },
    { r: 4, f: 1, n: 5, churned: 5, purchases: 0, spend_ratio: 0 },
  ];
  const { cells, version } = learnRfTable(counts);
  expect(cells).toHaveLength((RECENCY_EDGES.length + 1) * (FREQUENCY_EDGES.length + 1));
  const at = (r: number, f: number) => cells.find((c) => c.r === r && c.f === f)!;
  // Row 0's rate is 9 / 40: a cell's rate is (its churned + 20 x 9/40) / (its n + 20).
  expect(at(0, 0).churn_rate).toBeCloseTo((6 + 20 * (9 / 40)) / 30, 12);
  expect(at(0, 2).purchases).toBeCloseTo((60 + 20 * (64 / 40)) / 50, 12);
  // An empty cell of a learnt row is the row's own rate.
  expect(at(0, 5).churn_rate).toBeCloseTo(9 / 40, 12);
  expect(at(0, 5).n).toBe(0);
  // Row 1 is empty: it takes row 0's cells (one row away counts 10 columns), row 3 takes row 4's.
  expect(at(1, 0).churn_rate).toBe(at(0, 0).churn_rate);
  expect(at(3, 1).churn_rate).toBe(at(4, 1).churn_rate);
  expect(at(4, 1).churn_rate).toBe(1);
  // The same counts give the same version; other counts another.
  expect(learnRfTable(counts).version).toBe(version);
  expect(learnRfTable(counts.slice(1)).version).not.toBe(version);
  expect(() => learnRfTable([])).toThrow(/no training rows/);
});
