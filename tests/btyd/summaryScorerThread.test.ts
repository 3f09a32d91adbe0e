import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fitBtyd } from '../../pipeline/btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS } from '../../pipeline/btyd/scoreBtyd.js';
import { btydRowScorer } from '../helpers/btydRowScorer.js';
import { summaryScorer, type SummaryColumns } from '../../pipeline/btyd/summaryScorer.js';
import { SummaryScorerThread } from '../../pipeline/btyd/summaryScorerThread.js';
import { cdnowSummaryColumns, cdnowSummaryRows } from '../helpers/cdnow.js';

// Fitted on the published CDNOW summary: no database.
const models = fitBtyd(cdnowSummaryRows(), '1997-09-30');
const options = { model: 'bgnbd' as const, horizonDays: 90, annualDiscountRate: 0.1, intervalDraws: 40, seed: 42, from: '1997-09-30' };

/** Rows `from` to `to` of the columns. */
const slice = (c: SummaryColumns, from: number, to: number): SummaryColumns =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.slice(from, to)])) as SummaryColumns;

/** Every batch of 500 given at once, and their figures gathered in order. */
async function scoreAll(scorer: SummaryScorerThread, c: SummaryColumns): Promise<Record<string, number[]>> {
  const n = c.x.length;
  const batches = Array.from({ length: Math.ceil(n / 500) }, (_, b) => scorer.score(slice(c, b * 500, Math.min(n, b * 500 + 500)), Math.min(500, n - b * 500)));
  const figures = await Promise.all(batches);
  return Object.fromEntries(BTYD_SCORE_COLUMNS.map((name) => [name, figures.flatMap((f) => Array.from(f[name]))]));
}

describe('BTYD figures on a thread of their own', () => {
  test('are the figures computed here and the per-row scorer\'s, bit for bit, with batches given before the last are back', async () => {
    const c = cdnowSummaryColumns();
    const thread = new SummaryScorerThread(models, options);
    try {
      // The compiled worker is there (the test command builds first): the figures below come from the thread.
      expect(thread.parallel).toBe(true);
      const there = await scoreAll(thread, c);
      expect(thread.failures).toEqual([]);
      const here = summaryScorer(models, options)(c, c.x.length);
      const rowsIn = Array.from({ length: c.x.length }, (_, i) => ({ x: c.x[i]!, t_x: c.t_x[i]!, T: c.T[i]!, mean_repeat_value: c.mean_repeat_value[i]! }));
      const perRow = btydRowScorer(models, options)(rowsIn);
      for (const name of BTYD_SCORE_COLUMNS) {
        expect(there[name]!.filter((v, i) => !Object.is(v, here[name][i]!)).length, name).toBe(0);
        expect(there[name]!.filter((v, i) => !Object.is(v, perRow[name][i]!)).length, name).toBe(0);
      }
      // Intervals were computed (40 draws): the 90th percentile above the 10th for customers with a CLV.
      expect(there.clv_12m_p90!.filter((v, i) => v > there.clv_12m_p10![i]!).length).toBeGreaterThan(2000);
    } finally {
      await thread.close();
    }
  });

  test('a thread that cannot start or fails leaves its batches to be scored here, to the same figures, and says why', async () => {
    const c = cdnowSummaryColumns();
    const dir = mkdtempSync(join(tmpdir(), 'fidelio-thread-'));
    const broken = join(dir, 'broken.mjs');
    writeFileSync(broken, "throw new Error('this thread fails as it loads');\n");
    const thread = new SummaryScorerThread(models, options, broken);
    try {
      const got = await scoreAll(thread, c);
      expect(thread.parallel).toBe(false);
      expect(thread.failures.join('\n')).toMatch(/this thread fails as it loads/);
      const here = summaryScorer(models, options)(c, c.x.length);
      for (const name of BTYD_SCORE_COLUMNS) expect(got[name]!.filter((v, i) => !Object.is(v, here[name][i]!)).length, name).toBe(0);
    } finally {
      await thread.close();
    }
  });
});
