import { describe, expect, test } from 'vitest';
import { bgnbdExpectedCurve, bgnbdPAlive, bgnbdProbabilityNoPurchase } from '../../pipeline/btyd/bgnbd.js';
import { MONTH_DAYS, fitBtyd } from '../../pipeline/btyd/fitBtyd.js';
import { gammaGammaExpectedSpend } from '../../pipeline/btyd/gammaGamma.js';
import { BTYD_SCORE_COLUMNS, btydHistoryScorer, type BtydScoreOptions } from '../../pipeline/btyd/scoreBtyd.js';
import { summaryScorer, type SummaryColumns } from '../../pipeline/btyd/summaryScorer.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';

// Fitted on the published CDNOW summary, as arrays: no database.
const models = fitBtyd(cdnowSummaryRows(), '1997-09-30');

const options = { model: 'bgnbd' as const, horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 40, seed: 42 };

type Row = { x: number; t_x: number; T: number; mean_repeat_value: number };
/** Rows as the batch scorer reads them from a summary table, the order-value bin as its SQL computes it (round(ln(value) / 0.25)). */
const columns = (rows: Row[]): SummaryColumns => ({
  x: Float64Array.from(rows, (r) => r.x), t_x: Float64Array.from(rows, (r) => r.t_x), T: Float64Array.from(rows, (r) => r.T),
  mean_repeat_value: Float64Array.from(rows, (r) => r.mean_repeat_value),
  zbin: Float64Array.from(rows, (r) => (r.x > 0 && r.mean_repeat_value > 0 ? Math.round(Math.log(r.mean_repeat_value) / 0.25) : NaN)),
});
const scoreRows = (o: BtydScoreOptions, rows: Row[]) => summaryScorer(models, o)(columns(rows), rows.length);

describe('point scores', () => {
  test("each figure is the model's formula for the customer's history; the CLV discounts 12 monthly purchase counts", () => {
    const rows = [{ x: 3, t_x: 20, T: 40, mean_repeat_value: 55 }, { x: 0, t_x: 0, T: 10, mean_repeat_value: NaN }];
    const out = scoreRows({ ...options, intervalDraws: 0 }, rows);
    expect(Object.keys(out)).toEqual([...BTYD_SCORE_COLUMNS]);
    const p = models.bgnbd;
    const h = 90 / 7;
    const r = rows[0]!;
    expect(out.p_alive[0]).toBeCloseTo(bgnbdPAlive(p, r.x, r.t_x, r.T), 12);
    expect(out.p_no_purchase[0]).toBeCloseTo(bgnbdProbabilityNoPurchase(p, h, r.x, r.t_x, r.T), 12);
    expect(out.expected_purchases[0]).toBeCloseTo(bgnbdExpectedCurve(p, [h], r.x, r.t_x, r.T)[0]!, 12);
    const value = gammaGammaExpectedSpend(models.gamma_gamma, r.x, r.mean_repeat_value);
    expect(out.expected_order_value[0]).toBeCloseTo(value, 12);
    expect(out.expected_spend[0]).toBeCloseTo(out.expected_purchases[0]! * value, 10);
    const month = MONTH_DAYS / 7;
    const curve = bgnbdExpectedCurve(p, Array.from({ length: 12 }, (_, k) => (k + 1) * month), r.x, r.t_x, r.T);
    const clv = curve.reduce((s, c, k) => s + (c - (k ? curve[k - 1]! : 0)) * Math.pow(1.1, -(k + 0.5) / 12), 0) * value;
    expect(out.clv_12m[0]).toBeCloseTo(clv, 8);
    // A customer with no repeat purchase is worth the population's mean order value; no draws, no intervals.
    expect(out.expected_order_value[1]).toBeCloseTo(gammaGammaExpectedSpend(models.gamma_gamma, 0, NaN), 12);
    expect(Number.isNaN(out.clv_12m_p10[0]!)).toBe(true);
  });
});

describe('the figures the score tables are built from', () => {
  test("a history's, a neighbourhood's and an order value's figures are the batch scorer's", () => {
    const rows = [{ x: 3, t_x: 20, T: 40, mean_repeat_value: 55 }, { x: 0, t_x: 0, T: 10, mean_repeat_value: NaN }, { x: 2, t_x: 5, T: 30, mean_repeat_value: -4 }];
    const o = { ...options, from: '1997-09-30' };
    const out = scoreRows(o, rows);
    const scorer = btydHistoryScorer(models, o);
    rows.forEach((r, i) => {
      const p = scorer.point(r.x, r.t_x, r.T);
      expect(p.pAlive).toBe(out.p_alive[i]);
      expect(p.horizon).toBe(out.expected_purchases[i]);
      const value = scorer.orderValue(r.x, r.mean_repeat_value);
      expect(value).toBe(out.expected_order_value[i]);
      expect(p.monthly * value).toBe(out.clv_12m[i]);
      const ratios = scorer.ratios!(r.x, r.t_x, r.T, r.x > 0 && r.mean_repeat_value > 0 ? Math.round(Math.log(r.mean_repeat_value) / 0.25) : null);
      expect(p.monthly * value * ratios.clv[1]).toBe(out.clv_12m_p90[i]);
    });
    // Gamma-Gamma's conditional expectation, written out here: (p (gamma + x zbar)) / (p x + q - 1); the population mean without repeats; 0 for a net refund.
    const { p, q, gamma } = models.gamma_gamma;
    expect(out.expected_order_value[0]).toBeCloseTo((p * (gamma + 3 * 55)) / (p * 3 + q - 1), 10);
    expect(out.expected_order_value[1]).toBeCloseTo((p * gamma) / (q - 1), 10);
    expect(out.expected_order_value[2]).toBe(0);
    // Without parameter draws there are no ratios.
    expect(btydHistoryScorer(models, { ...o, intervalDraws: 0 }).ratios).toBeUndefined();
  });
});
