import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeGrowingShop, writeSteadyShop } from '../../pipeline/demo/historyShapes.js';
import { checkForecast, cutAt } from '../helpers/forecastCheck.js';
import { withTempDir } from '../helpers/withDb.js';

/**
 * Issue 26, section 3: a shop scored with under a year of history, as of a
 * day whose horizon reaches the Christmas quarter, its one December seen
 * in the first month of its export. The forecast of the existing
 * customers' spend over the next 90 days and their mean churn probability,
 * from the published customer_scores, are set against what they did in
 * those days (the rest of the simulation, summed apart from the pipeline:
 * tests/helpers/forecastCheck.ts). `btyd.season: false` runs the models as
 * they were before the short-history season and level (main at 3f97bfb:
 * the same numbers, the season being off under a year of history).
 */
const AS_OF = '2011-09-09';
const metricsOf = (out: string) => JSON.parse(readFileSync(join(out, 'model_metrics.json'), 'utf8'));

describe('under a year of history, the horizon reaching the next Christmas quarter', () => {
  test('a growing base with one December seen: the spend forecast no worse than "it repeats", mean churn within 0.08 of observed, the unseen months said', async () => {
    await withTempDir(async (dir) => {
      const full = join(dir, 'growing-full.csv');
      writeGrowingShop(full, 42, 5000);
      const c = cutAt(full, join(dir, 'growing.csv'), AS_OF, 90);
      const { check, out } = await checkForecast(dir, 'growing', c, AS_OF);
      const { check: before } = await checkForecast(dir, 'growing-flat', c, AS_OF, { btyd: { season: false } });
      // Measured: forecast 0.981 of the actual (repeats 0.897), churn 0.500 against 0.541 observed; before, 0.795 and 0.538.
      expect(check.customers).toBe(before.customers);
      expect(check.repeats_ratio).toBeGreaterThan(0.8);
      expect(check.repeats_ratio).toBeLessThan(0.95);
      // The failure: on a steady clock the forecast is further off than the last 90 days repeating.
      expect(Math.abs(before.forecast_ratio - 1)).toBeGreaterThan(Math.abs(before.repeats_ratio - 1));
      expect(before.forecast_ratio).toBeLessThan(0.85);
      // With the December's lift and the base's recent level: no worse than it repeats, and churn within 0.08.
      expect(Math.abs(check.forecast_ratio - 1)).toBeLessThanOrEqual(Math.abs(check.repeats_ratio - 1));
      expect(Math.abs(check.mean_churn - check.observed_churn)).toBeLessThanOrEqual(0.08);

      const m = metricsOf(out);
      // The fourth quarter, seen once in December 2010, keeps 2/3 of its lift in log; October and November borrow it.
      const short = m.btyd.season.short;
      expect(short.seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 12]);
      expect(short.quarters[3].months_seen).toBe(1);
      expect(short.quarters[3].raw).toBeGreaterThan(1.3);
      expect(m.btyd.season.months[10]).toBeGreaterThan(1.2);
      // The horizon reaches September, October and November, never seen: said with its range, in the metrics and the report.
      expect(m.season_ahead.unseen_months).toEqual([9, 10, 11]);
      expect(m.season_ahead.words).toMatch(/^The 90 days after as-of \(2011-09-10 to 2011-12-08\) reach September, October and November, which this history \(9 whole months, 2010-12 to 2011-08\) never showed: .* may be off by -\d+% to \+\d+% on that account alone \(90% range\)$/);
      expect(m.season_ahead.expected_error.low).toBeLessThan(0);
      expect(m.season_ahead.expected_error.high).toBeGreaterThan(0);
      const report = readFileSync(join(out, 'report.html'), 'utf8');
      expect(report).toContain(m.season_ahead.words);
      // The naive baselines beside the models, on the holdout: the last horizon repeating; no year for the other.
      expect(m.aggregate.baselines.repeats.spend_ratio).toBeGreaterThan(0);
      expect(m.aggregate.baselines.last_year_trend).toBeNull();
      expect(m.aggregate.baselines.last_year_trend_missing).toMatch(/^the history starts on 2010-12-01, under a year and a horizon before the holdout/);
      expect(report).toContain('the last horizon repeating (baseline)');
    });
  }, 300_000);

  test('a steady base: the same changes do not make the forecast or churn worse (within noise)', async () => {
    await withTempDir(async (dir) => {
      const full = join(dir, 'steady-full.csv');
      writeSteadyShop(full, 42, 4339);
      const c = cutAt(full, join(dir, 'steady.csv'), AS_OF, 90);
      const { check, out } = await checkForecast(dir, 'steady', c, AS_OF);
      const { check: before } = await checkForecast(dir, 'steady-flat', c, AS_OF, { btyd: { season: false } });
      // Measured: forecast 0.964 of the actual (before 0.948; repeats 0.943), churn 0.239 against 0.242 in both.
      // Noise: over seeds 1 to 6 the forecast before was off by 0.7% to 3.8%, after by 0.2% to 5.6%.
      expect(Math.abs(check.forecast_ratio - 1)).toBeLessThanOrEqual(Math.abs(before.forecast_ratio - 1) + 0.03);
      expect(Math.abs(check.mean_churn - check.observed_churn)).toBeLessThanOrEqual(Math.abs(before.mean_churn - before.observed_churn) + 0.01);
      // No season is read into a steady year: every quarter within 10% of none.
      const m = metricsOf(out);
      for (const q of m.btyd.season.short.quarters) expect(Math.abs(q.lift - 1)).toBeLessThan(0.1);
      expect(Math.abs(m.btyd.season.short.level - 1)).toBeLessThan(0.05);
    });
  }, 300_000);
});
