import { expect, test } from 'vitest';
import { decodeState, encodeState } from './stateCodec.js';

test('a state comes back from its text exactly: Maps, NaN, infinities, -0, undefined and bigints kept', () => {
  const state = {
    asOf: '2026-09-30',
    fits: new Map([['2026-07-02', { r: 0.25, alpha: 4.5e-12, ll: -Infinity }], ['2026-09-30', { r: NaN, alpha: -0, ll: Infinity }]]),
    list: [1, null, undefined, 'é "quoted" \\ 東京', { deep: [new Map([[1, 2n ** 70n]])] }],
    optional: undefined,
    flag: false,
  };
  const back = decodeState<typeof state>(encodeState(state)!);
  expect(back).toStrictEqual(state);
  expect(Object.is(back.fits.get('2026-09-30')!.alpha, -0)).toBe(true);
  expect('optional' in back).toBe(true);
  expect(back.list[4]).toEqual({ deep: [new Map([[1, 1180591620717411303424n]])] });
});

test('what is not plain data (a class instance, a Date, a function) has no text: the caller runs the stages itself', () => {
  class Network { weights = [1]; }
  expect(encodeState({ models: { neural: new Network() } })).toBeUndefined();
  expect(encodeState({ at: new Date(0) })).toBeUndefined();
  expect(encodeState({ f: () => 1 })).toBeUndefined();
  expect(encodeState({ plain: { a: [1] } })).toBe('{"plain":{"a":[1]}}');
});
