import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { bgnbdConditionalExpected, fitBgNbd, type BgNbdParams } from '../btyd/bgnbd.js';
import type { PurchaseModelName } from '../btyd/fitBtyd.js';
import { totalLogLik } from '../btyd/holdoutLikelihood.js';
import { fitMbgNbd, mbgnbdExpectedCurve } from '../btyd/mbgnbd.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from '../btyd/gammaGamma.js';
import { fitParetoNbd, paretoNbdConditionalExpected, type ParetoNbdParams } from '../btyd/paretoNbd.js';
import { readSummary } from '../features/btydSummary.js';
import { Database, dateParam } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { InputError, UsageError } from '../errors.js';
import { purchaseMetrics, rounded } from '../shared/evaluation.js';
import { normalizedGini } from '../shared/metrics.js';
import type { Stdout } from './options.js';

export interface BtydCommandOptions {
  transactions: string;
  calibrationEnd: string;
  holdoutEnd?: string;
  timeUnit: 'day' | 'week';
  model: 'bgnbd' | 'mbgnbd' | 'pareto' | 'gg' | 'all';
  /** Strength of the penalty on the log-parameters (0: maximum likelihood). */
  penalty?: number;
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
      await db.run(`CREATE TABLE tx AS ${readSql('cli/btyd_transactions.sql')}`, { path: o.transactions });
    } catch (err) {
      throw new InputError(`${o.transactions} cannot be read as a CSV with customer_id,date,amount: ${(err as Error).message}`, { cause: err });
    }
    const bad = await db.value<number>('SELECT count(*) FROM tx WHERE order_date IS NULL OR customer_id IS NULL OR amount IS NULL');
    if (bad > 0) throw new InputError(`${o.transactions}: ${bad} row(s) have a missing customer_id, an unreadable date or a non-numeric amount`);
    const unitDays = o.timeUnit === 'week' ? 7 : 1;
    const { rows } = await readSummary(db, 'tx', o.calibrationEnd, unitDays);
    if (rows.length === 0) throw new InputError(`${o.transactions}: no transaction on or before ${o.calibrationEnd}`);

    const result: Record<string, unknown> = { customers: rows.length, time_unit: o.timeUnit, calibration_end: o.calibrationEnd };
    const wants = (m: BtydCommandOptions['model']) => o.model === m || o.model === 'all';
    const predictors: Record<string, (t: number, r: (typeof rows)[number]) => number> = {};
    const fitted: Partial<Record<'bgnbd' | 'mbgnbd' | 'pareto', BgNbdParams | ParetoNbdParams>> = {};
    const fitOptions = { penalty: o.penalty ?? 0 };
    if (wants('bgnbd')) {
      const bg = fitBgNbd(rows, fitOptions);
      result.bgnbd = { ...bg.params, ...bg.report };
      fitted.bgnbd = bg.params;
      predictors.bgnbd = (t, r) => bgnbdConditionalExpected(bg.params, t, r.x, r.t_x, r.T);
    }
    if (wants('mbgnbd')) {
      const mb = fitMbgNbd(rows, fitOptions);
      result.mbgnbd = { ...mb.params, ...mb.report };
      fitted.mbgnbd = mb.params;
      predictors.mbgnbd = (t, r) => mbgnbdExpectedCurve(mb.params, [t], r.x, r.t_x, r.T)[0]!;
    }
    if (wants('pareto')) {
      const pn = fitParetoNbd(rows, fitOptions);
      result.pareto = { ...pn.params, ...pn.report };
      fitted.pareto = pn.params;
      predictors.pareto = (t, r) => paretoNbdConditionalExpected(pn.params, t, r.x, r.t_x, r.T);
    }
    let gg: ReturnType<typeof fitGammaGamma> | undefined;
    if (wants('gg')) {
      gg = fitGammaGamma(rows);
      result.gamma_gamma = { ...gg.params, ...gg.report, customers: rows.filter((r) => r.x > 0 && r.mean_repeat_value > 0).length };
    }
    if (o.holdoutEnd && Object.keys(predictors).length) {
      const actual = await db.columns(readSql('cli/btyd_holdout_actuals.sql'), {
        calibration_end: dateParam(o.calibrationEnd), holdout_end: dateParam(o.holdoutEnd),
      }) as Record<string, Float64Array>;
      const span = (Date.parse(o.holdoutEnd) - Date.parse(o.calibrationEnd)) / 86_400_000 / unitDays;
      const holdout: Record<string, unknown> = { end: o.holdoutEnd, periods: span, actual_purchases: actual.purchases!.reduce((a, v) => a + v, 0) };
      for (const [name, predict] of Object.entries(predictors)) {
        const predicted = Float64Array.from(rows, (r) => predict(span, r));
        const figures: Record<string, unknown> = rounded(purchaseMetrics(predicted, actual.purchases!));
        if (gg) {
          const spend = Float64Array.from(rows, (r, i) => predicted[i]! * gammaGammaExpectedSpend(gg!.params, r.x, r.mean_repeat_value));
          figures.normalized_gini_spend = rounded({ v: normalizedGini(spend, actual.spend!) }).v;
        }
        // The log-density of the holdout purchases given each history, per customer (higher is better).
        const later = await readSummary(db, 'tx', o.holdoutEnd, unitDays);
        const known = new Set((await readSummary(db, 'tx', o.calibrationEnd, unitDays)).ids);
        const params = fitted[name as keyof typeof fitted]!;
        figures.holdout_log_likelihood = rounded({
          v: (totalLogLik(name as PurchaseModelName, params, later.rows.filter((_, i) => known.has(later.ids[i]!))) - totalLogLik(name as PurchaseModelName, params, rows)) / rows.length,
        }).v;
        holdout[name] = figures;
      }
      result.holdout = holdout;
    }
    return result;
  } finally {
    db.close();
  }
}

/** `fidelio btyd`: the probabilistic models on a transaction log, as one JSON object. */
export function btydCommand(program: Command, stdout: Stdout): void {
  program
    .command('btyd')
    .description('fit the probabilistic models (BG/NBD, the modified BG/NBD, Pareto/NBD, Gamma-Gamma) on a CSV of customer_id,date,amount and print one JSON object')
    .requiredOption('--transactions <file>', 'CSV with customer_id,date,amount (date as YYYY-MM-DD or YYYYMMDD)')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (inclusive)')
    .option('--holdout-end <date>', 'last day of the holdout period: adds each model\'s holdout accuracy')
    .addOption(new Option('--time-unit <unit>', 'time unit of the fit').choices(['day', 'week']).default('week'))
    .addOption(new Option('--model <model>', 'which model').choices(['bgnbd', 'mbgnbd', 'pareto', 'gg', 'all']).default('all'))
    .option('--penalty <strength>', 'penalty on the log-parameters per customer (default 0: maximum likelihood)', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 10)) throw new InvalidArgumentError('a number from 0 to 10');
      return n;
    })
    .option('--json', 'print JSON (the only format)', true)
    .action(async (o: BtydCommandOptions) => {
      const result = await runBtydCommand(o);
      stdout(JSON.stringify(result, null, 2) + '\n');
    });
}
