import { describe, expect, test } from 'vitest';
import { fitBtyd } from '../../pipeline/btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS, type BtydScoreOptions } from '../../pipeline/btyd/scoreBtyd.js';
import { btydRowScorer } from '../helpers/btydRowScorer.js';
import { summaryScorer, type SummaryColumns } from '../../pipeline/btyd/summaryScorer.js';
import { cdnowSummaryColumns, cdnowSummaryRows } from '../helpers/cdnow.js';

// Fitted on the published CDNOW summary: no database.
const models = fitBtyd(cdnowSummaryRows(), '1997-09-30');
const options: BtydScoreOptions = { model: 'bgnbd', horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 40, seed: 42, from: '1997-09-30' };

const rowsOf = (c: SummaryColumns) => Array.from({ length: c.x.length }, (_, i) => ({ x: c.x[i]!, t_x: c.t_x[i]!, T: c.T[i]!, mean_repeat_value: c.mean_repeat_value[i]! }));
const pick = (c: SummaryColumns, order: number[]): SummaryColumns =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Float64Array.from(order, (i) => v[i]!)])) as SummaryColumns;
/** How many of `got`'s figures differ from the per-row scorer's, bit for bit (NaN where NULL), per column. */
function differing(got: Record<string, Float64Array>, c: SummaryColumns, o: typeof options): Record<string, number> {
  const want = btydRowScorer(models, o)(rowsOf(c));
  return Object.fromEntries(BTYD_SCORE_COLUMNS.map((name) => [name, Array.from(got[name]!).filter((v, i) => !Object.is(v, want[name][i]!)).length]));
}
const none = Object.fromEntries(BTYD_SCORE_COLUMNS.map((name) => [name, 0]));

describe('summary batches scored in order', () => {
  test("give each row the per-row scorer's figures, in history order, split into batches inside a history's run, and in any order", () => {
    const c = cdnowSummaryColumns();
    const n = c.x.length;
    // In history order, most customers share a history with the row before (CDNOW: 2,357 customers, far fewer histories).
    const shared = Array.from({ length: n - 1 }, (_, i) => c.x[i + 1] === c.x[i] && c.t_x[i + 1] === c.t_x[i] && c.T[i + 1] === c.T[i]).filter(Boolean).length;
    expect(shared).toBeGreaterThan(1000);
    expect(differing(summaryScorer(models, options)(c, n), c, options)).toEqual(none);
    // Batches of 7 rows: runs of one history cross batches, and the scorer carries the last history over.
    const scoreBatch = summaryScorer(models, options);
    const parts: Record<string, Float64Array>[] = [];
    for (let from = 0; from < n; from += 7) parts.push(scoreBatch(pick(c, Array.from({ length: Math.min(7, n - from) }, (_, k) => from + k)), Math.min(7, n - from)));
    const joined = Object.fromEntries(BTYD_SCORE_COLUMNS.map((name) => [name, Float64Array.from(parts.flatMap((p) => Array.from(p[name]!)))]));
    expect(differing(joined, c, options)).toEqual(none);
    // Reversed and interleaved: no figure is carried from one history to another.
    const mixed = pick(c, Array.from({ length: n }, (_, i) => (i % 2 ? i : n - 1 - i)));
    expect(differing(summaryScorer(models, options)(mixed, n), mixed, options)).toEqual(none);
  });

  test('leave out what the model has not: no intervals without parameter draws, no P(no purchase) for Pareto/NBD', () => {
    const c = cdnowSummaryColumns();
    const n = c.x.length;
    const plain = { ...options, intervalDraws: 0 };
    const out = summaryScorer(models, plain)(c, n);
    expect(differing(out, c, plain)).toEqual(none);
    for (const name of ['expected_purchases_p10', 'expected_purchases_p90', 'clv_12m_p10', 'clv_12m_p90'] as const) expect(out[name].every(Number.isNaN)).toBe(true);
    const pareto: BtydScoreOptions = { ...options, model: 'pareto' };
    const p = summaryScorer(models, pareto)(c, n);
    expect(differing(p, c, pareto)).toEqual(none);
    expect(p.p_no_purchase.every(Number.isNaN)).toBe(true);
    expect(p.p_alive.every((v) => v > 0 && v <= 1)).toBe(true);
  });
});
