import { expect, test } from 'vitest';
import { fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { fitBtyd, purchaseFit, purchaseFits, summarizeBtyd } from '../../pipeline/btyd/fitBtyd.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

// The published CDNOW summary (tests/fixtures/cdnow), as arrays: no database.
const rows = cdnowSummaryRows();

test('every candidate and Gamma-Gamma fitted on summaries reproduce the published CDNOW parameters', () => {
  const models = fitBtyd(rows, '1997-09-30', { penalty: 0.001 });
  expect(models).toMatchObject({ calibration_end: '1997-09-30', unit_days: 7, customers: 2357 });
  // Fader, Hardie & Lee (2005) for BG/NBD, Fader & Hardie for Pareto/NBD and Gamma-Gamma.
  expect(models.bgnbd.r).toBeCloseTo(0.2426, 3);
  expect(models.bgnbd.b).toBeCloseTo(2.4258, 2);
  expect(models.pareto.s).toBeCloseTo(0.6062, 3);
  expect(models.gamma_gamma.p).toBeCloseTo(6.2488, 2);
  expect(models.gamma_gamma.q).toBeCloseTo(3.7446, 2);
  expect(models).not.toHaveProperty('season');
  expect(Object.keys(purchaseFits(models)).sort()).toEqual(['bgnbd', 'bgnbd_penalized', 'mbgnbd', 'mbgnbd_penalized', 'pareto', 'pareto_penalized']);
  const published = summarizeBtyd(models);
  expect(published.bgnbd).toMatchObject({ converged: true, r: models.bgnbd.r });
  expect(Object.keys(published.bgnbd.standard_errors!)).toEqual(['r', 'alpha', 'a', 'b']);
  expect(published).not.toHaveProperty('bgnbd.report');
});

test('a BG/NBD fit given is used as it is; no customer is an error; an absent candidate is named', () => {
  const given = fitBgNbd(rows.slice(0, 500));
  const models = fitBtyd(rows, '1997-09-30', { bgnbd: given });
  expect(models.bgnbd.r).toBe(given.params.r);
  expect(models.pareto.s).toBeCloseTo(0.6062, 3);
  expect(() => purchaseFit(models, 'pareto_penalized')).toThrow(/no pareto_penalized fit/);
  expect(() => fitBtyd([], '1990-01-01')).toThrow(/no purchases on or before 1990-01-01/);
});
