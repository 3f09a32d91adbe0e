import type { BtydModels } from '../../pipeline/btyd/fitBtyd.js';
import type { Backtest } from '../../pipeline/train/backtest.js';

const report = { log_likelihood: -1, converged: true, iterations: 1, gradient_norm: 0, standard_errors: [0.1, 0.2, 0.3, 0.4], log_covariance: null, warnings: [], degenerate: [] };
export const BTYD: BtydModels = {
  calibration_end: '2026-07-02', unit_days: 7, customers: 8,
  bgnbd: { r: 1, alpha: 2, a: 3, b: 4, report }, pareto: { r: 1, alpha: 2, s: 3, beta: 4, report },
  gamma_gamma: { p: 1, q: 2, gamma: 3, report: { ...report, standard_errors: [0.1, 0.2, 0.3] } },
};

/**
 * A backtest of eight customers made by hand: the table ranks churn
 * perfectly but is overconfident (a buyer at 0.97), BG/NBD is calibrated and a little worse
 * at ranking; Pareto/NBD ranks spend better than BG/NBD.
 */
export function fakeBacktest(): Backtest {
  const f = (v: number[]) => Float64Array.from(v);
  const churned = f([1, 1, 1, 1, 0, 0, 0, 0]);
  return {
    churned,
    spend: f([0, 0, 0, 0, 10, 20, 30, 40]),
    recency: f([300, 200, 250, 100, 50, 40, 30, 20]),
    historic: f([5, 60, 10, 50, 20, 15, 40, 30]),
    churnScores: { rf_table: f([0.99, 0.99, 0.99, 0.98, 0.97, 0.01, 0.01, 0.01]), bgnbd: f([0.8, 0.7, 0.7, 0.4, 0.5, 0.3, 0.2, 0.2]) },
    valueScores: { bgnbd: f([1, 2, 1, 2, 40, 30, 20, 10]), pareto: f([1, 2, 1, 2, 10, 20, 30, 40]) },
    bgnbd: { p_no_purchase: f([0.8, 0.7, 0.7, 0.4, 0.5, 0.3, 0.2, 0.2]), expected_purchases: f([0.1, 0.2, 0.2, 0.5, 0.6, 0.9, 1.2, 1.5]), future_orders: f([0, 0, 0, 0, 1, 1, 2, 2]), clv_12m: f([1, 2, 1, 2, 40, 30, 20, 10]) },
    pareto: { expected_purchases: f([0.1, 0.2, 0.2, 0.5, 0.6, 0.9, 1.2, 1.5]), future_orders: f([0, 0, 0, 0, 1, 1, 2, 2]), clv_12m: f([1, 2, 1, 2, 10, 20, 30, 40]) },
    chosen: {
      p_no_purchase: f([0.8, 0.7, 0.7, 0.4, 0.5, 0.3, 0.2, 0.2]), expected_purchases: f([0.1, 0.2, 0.2, 0.5, 0.6, 0.9, 1.2, 1.5]), expected_spend: f([1, 2, 1, 2, 40, 30, 20, 10]),
      future_orders: f([0, 0, 0, 0, 1, 1, 2, 2]), clv_12m: f([1, 2, 1, 2, 40, 30, 20, 10]),
    },
    btydAtHoldout: BTYD,
    btydChoice: { model: 'bgnbd', reason: 'bgnbd: the highest holdout likelihood of the sound candidates', candidates: [
      { name: 'bgnbd', holdout_log_likelihood: -1.5, degenerate: [], sound: true },
      { name: 'pareto', holdout_log_likelihood: -1.6, degenerate: [], sound: true },
    ] },
    windows: { btyd_calibration_end: '2026-07-02', table_cutoffs: ['2026-04-03'], networks_fit_cutoffs: [], networks_validation_cutoff: '2026-04-03', networks_validation_same_season: false },
    // The eight customers spent 100 in the holdout and half of them bought; in the horizon before, 80 and 5 of 8.
    aggregate: {
      customers: 8, actual_spend: 100, observed_churn: 0.5,
      repeats: { spend: 80, spend_ratio: 0.8, churn: 0.375 }, last_year_trend: null, last_year_trend_missing: 'the history starts on 2026-01-01, under a year and a horizon before the holdout (2025-04-04): no same period last year to scale',
    },
    notes: ['a note'],
  };
}
