import type { BtydModels } from '../../pipeline/btyd/fitBtyd.js';
import { BTYD_SCORE_COLUMNS, INTERVAL_GRID, btydHistoryScorer, type BtydScoreOptions } from '../../pipeline/btyd/scoreBtyd.js';

export interface SummaryRow { x: number; t_x: number; T: number; mean_repeat_value: number }

/**
 * The tests' oracle for the batch scorer (btyd/summaryScorer.ts) and the score tables: each row's
 * figures (BTYD_SCORE_COLUMNS, NaN where NULL) computed on its own from the history scorer's parts,
 * in any order, nothing carried from one row to the next, and the order-value bin computed here
 * from the mean repeat value (the tables compute it in SQL).
 */
export function btydRowScorer(models: BtydModels, o: BtydScoreOptions): (rows: SummaryRow[]) => Record<(typeof BTYD_SCORE_COLUMNS)[number], Float64Array> {
  const scorer = btydHistoryScorer(models, o);
  const step = (o.intervalGrid ?? INTERVAL_GRID).logSpendStep;
  return (rows) => {
    const out = Object.fromEntries(BTYD_SCORE_COLUMNS.map((c) => [c, new Float64Array(rows.length).fill(NaN)])) as Record<(typeof BTYD_SCORE_COLUMNS)[number], Float64Array>;
    rows.forEach(({ x, t_x, T, mean_repeat_value: zbar }, i) => {
      const p = scorer.point(x, t_x, T);
      const value = scorer.orderValue(x, zbar);
      out.p_alive[i] = p.pAlive;
      out.p_no_purchase[i] = p.pNone;
      out.expected_purchases[i] = p.horizon;
      out.expected_order_value[i] = value;
      out.expected_spend[i] = p.horizon * value;
      out.clv_12m[i] = p.monthly * value;
      if (scorer.ratios) {
        const r = scorer.ratios(x, t_x, T, x > 0 && zbar > 0 ? Math.round(Math.log(zbar) / step) : null);
        out.expected_purchases_p10[i] = p.horizon * r.purchases[0];
        out.expected_purchases_p90[i] = p.horizon * r.purchases[1];
        out.clv_12m_p10[i] = p.monthly * value * r.clv[0];
        out.clv_12m_p90[i] = p.monthly * value * r.clv[1];
      }
    });
    return out;
  };
}
