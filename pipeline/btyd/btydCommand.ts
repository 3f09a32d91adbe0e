import { existsSync } from 'node:fs';
import { Database, dateParam, literal } from '../db/Database.js';
import { InputError, UsageError } from '../errors.js';
import { purchaseMetrics, rounded } from '../learn/backtest.js';
import { bgnbdConditionalExpected, fitBgNbd } from './bgnbd.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from './gammaGamma.js';
import { normalizedGini } from '../learn/metrics.js';
import { fitParetoNbd, paretoNbdConditionalExpected } from './paretoNbd.js';
import { summarySql } from './summary.js';

export interface BtydCommandOptions {
  transactions: string;
  calibrationEnd: string;
  holdoutEnd?: string;
  timeUnit: 'day' | 'week';
  model: 'bgnbd' | 'pareto' | 'gg' | 'all';
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `fidelio btyd`: fits the probabilistic models on a transaction log
 * (customer_id, date, amount) in the literature's conventions and returns
 * one JSON-ready object, with holdout accuracy when a holdout end is given.
 */
export async function runBtydCommand(o: BtydCommandOptions): Promise<Record<string, unknown>> {
  const problems: string[] = [];
  if (!isoDate.test(o.calibrationEnd)) problems.push(`--calibration-end: expected YYYY-MM-DD, got "${o.calibrationEnd}"`);
  if (o.holdoutEnd !== undefined && !isoDate.test(o.holdoutEnd)) problems.push(`--holdout-end: expected YYYY-MM-DD, got "${o.holdoutEnd}"`);
  if (o.holdoutEnd && o.holdoutEnd <= o.calibrationEnd) problems.push('--holdout-end must be after --calibration-end');
  if (problems.length) throw new UsageError('invalid btyd options', problems);
  if (!existsSync(o.transactions)) throw new InputError(`transactions file ${o.transactions} does not exist`);

  const db = await Database.open(':memory:');
  try {
    try {
      await db.run(`CREATE TABLE tx AS
        SELECT CAST(customer_id AS VARCHAR) AS customer_id,
          coalesce(TRY_CAST(CAST(date AS VARCHAR) AS DATE), CAST(TRY_STRPTIME(CAST(date AS VARCHAR), '%Y%m%d') AS DATE)) AS day,
          CAST(amount AS DECIMAL(18, 4)) AS amount
        FROM read_csv(${literal(o.transactions)}, header = true, all_varchar = true)`);
    } catch (err) {
      throw new InputError(`${o.transactions} cannot be read as a CSV with customer_id,date,amount: ${(err as Error).message}`);
    }
    const bad = await db.value<number>('SELECT count(*) FROM tx WHERE day IS NULL OR customer_id IS NULL OR amount IS NULL');
    if (bad > 0) throw new InputError(`${o.transactions}: ${bad} row(s) have a missing customer_id, an unreadable date or a non-numeric amount`);
    const unitDays = o.timeUnit === 'week' ? 7 : 1;
    const cols = await db.columns(summarySql('tx'), { calibration_end: dateParam(o.calibrationEnd), unit_days: unitDays });
    const x = cols.x as Float64Array;
    const rows = Array.from(x, (_, i) => ({
      x: x[i]!,
      t_x: (cols.t_x as Float64Array)[i]!,
      T: (cols.T as Float64Array)[i]!,
      mean_repeat_value: (cols.mean_repeat_value as Float64Array)[i]!,
    }));
    if (rows.length === 0) throw new InputError(`${o.transactions}: no transaction on or before ${o.calibrationEnd}`);

    const result: Record<string, unknown> = { customers: rows.length, time_unit: o.timeUnit, calibration_end: o.calibrationEnd };
    const wants = (m: BtydCommandOptions['model']) => o.model === m || o.model === 'all';
    const predictors: Record<string, (t: number, r: (typeof rows)[number]) => number> = {};
    if (wants('bgnbd')) {
      const bg = fitBgNbd(rows);
      result.bgnbd = { ...bg.params, ...bg.report };
      predictors.bgnbd = (t, r) => bgnbdConditionalExpected(bg.params, t, r.x, r.t_x, r.T);
    }
    if (wants('pareto')) {
      const pn = fitParetoNbd(rows);
      result.pareto = { ...pn.params, ...pn.report };
      predictors.pareto = (t, r) => paretoNbdConditionalExpected(pn.params, t, r.x, r.t_x, r.T);
    }
    let gg: ReturnType<typeof fitGammaGamma> | undefined;
    if (wants('gg')) {
      gg = fitGammaGamma(rows);
      result.gamma_gamma = { ...gg.params, ...gg.report, customers: rows.filter((r) => r.x > 0 && r.mean_repeat_value > 0).length };
    }
    if (o.holdoutEnd && Object.keys(predictors).length) {
      const actual = await db.columns(
        `SELECT s.customer_id, CAST(count(DISTINCT t.day) AS DOUBLE) AS purchases, coalesce(CAST(sum(t.amount) AS DOUBLE), 0) AS spend
         FROM (${summarySql('tx')}) s LEFT JOIN tx t ON t.customer_id = s.customer_id AND t.day > $calibration_end AND t.day <= $holdout_end
         GROUP BY s.customer_id ORDER BY s.customer_id`,
        { calibration_end: dateParam(o.calibrationEnd), unit_days: unitDays, holdout_end: dateParam(o.holdoutEnd) },
      ) as Record<string, Float64Array>;
      const span = (Date.parse(o.holdoutEnd) - Date.parse(o.calibrationEnd)) / 86_400_000 / unitDays;
      const holdout: Record<string, unknown> = { end: o.holdoutEnd, periods: span, actual_purchases: actual.purchases!.reduce((a, v) => a + v, 0) };
      for (const [name, predict] of Object.entries(predictors)) {
        const predicted = Float64Array.from(rows, (r) => predict(span, r));
        const figures: Record<string, unknown> = rounded(purchaseMetrics(predicted, actual.purchases!));
        if (gg) {
          const spend = Float64Array.from(rows, (r, i) => predicted[i]! * gammaGammaExpectedSpend(gg!.params, r.x, r.mean_repeat_value));
          figures.normalized_gini_spend = rounded({ v: normalizedGini(spend, actual.spend!) }).v;
        }
        holdout[name] = figures;
      }
      result.holdout = holdout;
    }
    return result;
  } finally {
    db.close();
  }
}
