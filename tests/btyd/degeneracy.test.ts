import { expect, test } from 'vitest';
import { bgFamilyDegeneracy, disqualifying, gammaGammaDegeneracy, noRepeatDegeneracy, paretoDegeneracy } from '../../pipeline/btyd/degeneracy.js';

test('BG/NBD run off to no dropout is said to leave P(alive) uninformative, and that disqualifies it', () => {
  // The fit seen on a real gift retailer's year: a = 2.3e-7, b = 12,532.
  const d = bgFamilyDegeneracy({ r: 0.8, a: 2.3e-7, b: 12_532 });
  expect(d.map((x) => x.issue)).toEqual(['no_dropout']);
  expect(d[0]!.message).toBe('the data show no dropout (a = 2.3e-7, b = 12500: a 1.8e-9% chance of leaving after a purchase): P(alive) is not informative');
  expect(disqualifying(d)).toBe(true);
  expect(bgFamilyDegeneracy({ r: 0.24, a: 0.79, b: 2.43 })).toEqual([]);
});

test('other boundaries are told but do not disqualify: the same rate for everyone, all-or-nothing dropout', () => {
  expect(bgFamilyDegeneracy({ r: 5e4, a: 0.8, b: 2 }).map((x) => x.issue)).toEqual(['same_purchase_rate']);
  expect(bgFamilyDegeneracy({ r: 1, a: 3e3, b: 9e3 }).map((x) => x.issue)).toEqual(['same_dropout']);
  const split = bgFamilyDegeneracy({ r: 2, a: 0.0018, b: 0.0071 });
  expect(split.map((x) => x.issue)).toEqual(['all_or_nothing_dropout']);
  expect(disqualifying(split)).toBe(false);
});

test('Pareto/NBD: the share expected to leave within the typical observed time decides', () => {
  expect(paretoDegeneracy({ r: 0.8, s: 2.2e-10, beta: 40 }, 30).map((x) => x.issue)).toEqual(['no_dropout']);
  expect(paretoDegeneracy({ r: 0.55, s: 0.61, beta: 11.7 }, 30)).toEqual([]);
  expect(paretoDegeneracy({ r: 1.9, s: 0.0106, beta: 1.5e-8 }, 30).map((x) => x.issue)).toEqual(['all_or_nothing_dropout']);
  expect(paretoDegeneracy({ r: 0.5, s: 5e3, beta: 2e5 }, 30).map((x) => x.issue)).toEqual(['same_dropout']);
});

test('Gamma-Gamma without a finite mean, and a history with no repeat purchase at all', () => {
  expect(gammaGammaDegeneracy({ p: 3, q: 0.8 }).map((x) => x.issue)).toEqual(['no_finite_mean_spend']);
  expect(gammaGammaDegeneracy({ p: 6.25, q: 3.74 })).toEqual([]);
  expect(noRepeatDegeneracy([{ x: 0 }, { x: 0 }]).map((x) => x.issue)).toEqual(['no_dropout']);
  expect(noRepeatDegeneracy([{ x: 0 }, { x: 1 }])).toEqual([]);
});
