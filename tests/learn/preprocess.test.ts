import { expect, test } from 'vitest';
import { fitPreprocessor, transform } from '../../pipeline/learn/preprocess.js';

const numeric = [
  { name: 'orders', transform: 'log1p' as const },
  { name: 'spend', transform: 'slog' as const },
  { name: 'ratio', transform: 'clip' as const },
  { name: 'age', transform: 'none' as const },
];

test('learnt on training rows: transforms, standardisation, missing indicators and one-hot categories with "other"', () => {
  const data = {
    orders: Float64Array.from([0, 1, 3, 7]),
    spend: Float64Array.from([-9, 0, 9, 99]),
    ratio: Float64Array.from([0.5, 50, -50, 1]),
    age: Float64Array.from([30, NaN, 50, 40]),
    channel: ['web', 'web', 'app', null],
  };
  const state = fitPreprocessor(data, numeric, ['channel']);
  expect(state.columns).toEqual(['orders', 'spend', 'ratio', 'age', 'age__missing', 'channel=web', 'channel=app', 'channel=other']);
  const logs = [0, 1, 3, 7].map(Math.log1p);
  const mean = logs.reduce((s, v) => s + v, 0) / 4;
  expect(state.numeric[0]!.mean).toBeCloseTo(mean, 12);
  expect(state.numeric[2]!.mean).toBeCloseTo((0.5 + 10 - 10 + 1) / 4, 12); // clipped to [-10, 10]
  expect(state.numeric[3]).toMatchObject({ mean: 40, missingIndicator: true });

  const x = transform(state, { ...data, channel: ['web', 'store', null, 'app'] }, 4);
  const width = state.columns.length;
  const row = (i: number) => Array.from(x.subarray(i * width, (i + 1) * width));
  // A missing age is 0 (the mean) with its indicator set; an unseen category goes to "other".
  expect(row(1).slice(3, 5)).toEqual([0, 1]);
  expect(row(1).slice(5)).toEqual([0, 0, 1]);
  expect(row(3).slice(5)).toEqual([0, 1, 0]);
  const col0 = [0, 1, 2, 3].map((i) => row(i)[0]!);
  expect(col0.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 5);
  expect(() => fitPreprocessor({}, numeric)).toThrow('feature orders is missing from the training data');
});

test('a value outside the training range is read as the nearest one seen: a network never extrapolates', () => {
  const data = { orders: Float64Array.from([0, 1, 3, 7]), spend: Float64Array.from([1, 2, 3, 4]), ratio: Float64Array.from([0, 1, 2, 3]), age: Float64Array.from([30, 40, 50, 60]) };
  const state = fitPreprocessor(data, numeric, []);
  expect(state.numeric[3]).toMatchObject({ min: 30, max: 60 });
  const x = transform(state, { ...data, age: Float64Array.from([60, 600, 10, 45]) }, 4);
  const width = state.columns.length;
  const ages = [0, 1, 2, 3].map((i) => x[i * width + 3]!);
  expect(ages[1]).toBe(ages[0]);
  expect(ages[2]).toBeCloseTo((30 - state.numeric[3]!.mean) / state.numeric[3]!.std, 5);
});
