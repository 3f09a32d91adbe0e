import { expect, test } from 'vitest';
import { auc } from '../../pipeline/shared/metrics.js';
import { chooseChampions } from '../../pipeline/train/champions.js';
import { backtestMetrics } from '../../pipeline/train/modelMetrics.js';
import { fakeBacktest } from './fakeBacktest.js';

test("model_metrics.json's backtest: the holdout, the champions against recency alone, every candidate, the baselines, rounded", () => {
  const b = fakeBacktest();
  const c = chooseChampions(b);
  const plan = { holdoutCutoff: '2026-07-02', trainCutoffs: ['2026-04-03'] };
  const m = backtestMetrics(b, c, plan, '2026-09-30', 90, undefined);
  expect(Object.keys(m)).toEqual(['as_of', 'choice', 'holdout', 'training_sample', 'windows', 'churn', 'value', 'btyd_model', 'flagged', 'candidates', 'baselines', 'aggregate', 'networks', 'notes', 'btyd_fit_at_holdout']);
  expect(m.holdout).toEqual({ cutoff: '2026-07-02', end: '2026-09-30', horizon_days: 90, customers: 8, churn_rate: 0.5 });
  expect(m.churn.model).toBe('bgnbd');
  // The choice in figures agrees with the candidates' own: the winner's margin over recency alone is its AUC less recency's.
  expect(m.choice.churn).toMatchObject({ winner: 'bgnbd', runner_up: 'rf_table', rule: 'the lowest log loss on the holdout' });
  expect(m.choice.churn.margin).toBeCloseTo(c.churnCandidates.rf_table.log_loss - c.churnCandidates.bgnbd.log_loss, 6);
  expect(m.choice.churn.baseline.margin).toBeCloseTo(c.churnCandidates.bgnbd.auc - auc(b.recency, b.churned), 6);
  expect(m.choice.churn.text).toMatch(/^bgnbd scores churn: the lowest log loss on the holdout/);
  expect(m.churn.recency_baseline_auc).toBe(Number(auc(b.recency, b.churned).toFixed(5)));
  expect(m.churn.calibration).toHaveLength(10);
  expect(Object.keys(m.churn.gain)).toEqual(['bgnbd', 'recency_only']);
  expect(Object.keys(m.candidates.churn)).toEqual(['rf_table', 'bgnbd']);
  expect(m.value).toMatchObject({ model: 'bgnbd', historic_value_baseline_gini: m.baselines.historic_value.normalized_gini });
  expect(Object.keys(m.value.deciles_by_model)).toEqual(['bgnbd', 'pareto', 'historic_value']);
  expect(m.value.deciles_by_model.bgnbd!.reduce((s, d) => s + d.customers, 0)).toBe(8);
  // Every value candidate against historic value alone: which beat it.
  expect(m.baselines.historic_value.beaten_by).toEqual(Object.entries(c.valueCandidates).filter(([, v]) => v.normalized_gini > m.baselines.historic_value.normalized_gini!).map(([k]) => k));
  expect(m.btyd_model).toEqual({
    model: 'bgnbd', reason: b.btydChoice.reason,
    candidates: { bgnbd: { holdout_log_likelihood: -1.5, sound: true, degenerate: [] }, pareto: { holdout_log_likelihood: -1.6, sound: true, degenerate: [] } },
  });
  expect(m.baselines.bgnbd.purchases.actual_total).toBe(6);
  expect(m.networks).toBeNull();
  expect(m.notes).toEqual(['a note']);
  expect(m.btyd_fit_at_holdout.bgnbd.standard_errors).toEqual({ r: 0.1, alpha: 0.2, a: 0.3, b: 0.4 });
  expect(JSON.stringify(m)).not.toContain('NaN');
});

test('the aggregate level on the holdout: every candidate against the last horizon repeating, and the champions further off said in words', () => {
  const b = fakeBacktest();
  const plan = { holdoutCutoff: '2026-07-02', trainCutoffs: ['2026-04-03'] };
  const good = backtestMetrics(b, chooseChampions(b), plan, '2026-09-30', 90, undefined).aggregate;
  // BG/NBD's spend: 1 + 2 + 1 + 2 + 40 + 30 + 20 + 10 = 106 of the 100 spent; Pareto/NBD's 1 + 2 + 1 + 2 + 10 + 20 + 30 + 40 = 106.
  expect(good.value.bgnbd).toEqual({ spend: 106, spend_ratio: 1.06 });
  // BG/NBD's mean churn: (0.8 + 0.7 + 0.7 + 0.4 + 0.5 + 0.3 + 0.2 + 0.2) / 8 = 0.475 against 0.5 observed.
  expect(good.churn.bgnbd!.mean).toBeCloseTo(0.475, 5);
  expect(good.churn.bgnbd!.error).toBeCloseTo(-0.025, 5);
  expect(good.baselines.repeats).toEqual({ spend: 80, spend_ratio: 0.8, churn: 0.375 });
  expect(good.baselines.last_year_trend).toBeNull();
  expect(good.baselines.last_year_trend_missing).toMatch(/under a year and a horizon before the holdout/);
  // 6% off beats the repeat's 20%; 0.025 beats 0.125: nothing to say.
  expect(good.worse_than_baselines).toEqual([]);

  // A last horizon that spent 99 and had half its customers buying: both champions are further off than it.
  b.aggregate.repeats = { spend: 99, spend_ratio: 0.99, churn: 0.49 };
  const c = chooseChampions(b);
  const bad = backtestMetrics(b, c, plan, '2026-09-30', 90, undefined).aggregate;
  expect(bad.worse_than_baselines).toHaveLength(2);
  expect(bad.worse_than_baselines[0]).toBe(`value: ${c.valueModel}'s forecast of the holdout's spend is 1.06 of the actual, further off than the last horizon repeating (0.99; the 90 days after the holdout cutoff against 100.00 spent)`);
  expect(bad.worse_than_baselines[1]).toMatch(new RegExp(`^churn: ${c.churnModel}'s mean churn probability on the holdout is 0\\.\\d{3} against 0\\.500 observed, further off than the last horizon repeating \\(0\\.490\\)$`));
});
