import type { BtydModels } from './fitBtyd.js';
import { BTYD_SCORE_COLUMNS, btydHistoryScorer, type BtydScoreOptions } from './scoreBtyd.js';

/** A batch of summary rows as read from a summary table (train/btydScoreTable.ts): NULL as NaN. */
export type SummaryColumns = Record<'x' | 't_x' | 'T' | 'mean_repeat_value' | 'zbin', Float64Array>;
/** A batch's figures, one column per BTYD_SCORE_COLUMNS (NaN where the figure is NULL). */
export type SummaryFigures = Record<(typeof BTYD_SCORE_COLUMNS)[number], Float64Array>;

/**
 * A scorer of batches of summary rows read in order: each batch's figures
 * (BTYD_SCORE_COLUMNS; NaN where a figure is NULL: no intervals without
 * parameter draws, P(no purchase) for Pareto/NBD). A history's point
 * figures are computed once for a run of rows with that history: the
 * summaries are stored in history order (createBtydSummary), so every
 * history is computed once, with no lookup per row. Plain arithmetic on
 * plain data: the same figures on any thread (summaryScorerThread.ts).
 */
export function summaryScorer(models: BtydModels, o: BtydScoreOptions): (c: SummaryColumns, n: number) => SummaryFigures {
  const scorer = btydHistoryScorer(models, o);
  let last = { x: NaN, t_x: NaN, T: NaN, point: scorer.point(0, 0, 0) };
  return (c, n) => {
    const out = Object.fromEntries(BTYD_SCORE_COLUMNS.map((name) => [name, new Float64Array(n).fill(NaN)])) as SummaryFigures;
    for (let i = 0; i < n; i++) {
      const [x, t_x, T] = [c.x[i]!, c.t_x[i]!, c.T[i]!];
      if (x !== last.x || t_x !== last.t_x || T !== last.T) last = { x, t_x, T, point: scorer.point(x, t_x, T) };
      const p = last.point;
      const orderValue = scorer.orderValue(x, c.mean_repeat_value[i]!);
      const clv = p.monthly * orderValue;
      out.p_alive[i] = p.pAlive;
      out.p_no_purchase[i] = p.pNone;
      out.expected_purchases[i] = p.horizon;
      out.expected_order_value[i] = orderValue;
      out.expected_spend[i] = p.horizon * orderValue;
      out.clv_12m[i] = clv;
      if (scorer.ratios) {
        const zbin = c.zbin[i]!;
        const r = scorer.ratios(x, t_x, T, Number.isNaN(zbin) ? null : zbin);
        out.expected_purchases_p10[i] = p.horizon * r.purchases[0];
        out.expected_purchases_p90[i] = p.horizon * r.purchases[1];
        out.clv_12m_p10[i] = clv * r.clv[0];
        out.clv_12m_p90[i] = clv * r.clv[1];
      }
    }
    return out;
  };
}
