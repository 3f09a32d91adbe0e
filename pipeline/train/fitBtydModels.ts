import type { BtydModels, FitOptions } from '../btyd/fitBtyd.js';
import { fitBtydBeside } from '../btyd/fitThread.js';
import { purchaseModel } from '../btyd/purchaseModel.js';
import type { Database } from '../db/Database.js';
import { learnSeason } from '../features/btydSeason.js';
import { readSummary } from '../features/btydSummary.js';
import type { Logger } from '../log.js';

/**
 * The BTYD models (btyd/fitBtyd.ts) fitted on the orders of table `source`
 * (customer_id, order_date, amount) up to `calibrationEnd`: every
 * purchase-model candidate and Gamma-Gamma on the customers' summaries,
 * then the seasonal profile of the same orders (under a year of history,
 * learnt against BG/NBD's expectations: btyd/season.ts). With more than
 * one thread, Pareto/NBD's fits are made on a thread of their own while the
 * others are made here (btyd/fitThread.ts): the same models.
 */
export async function fitBtydModels(db: Database, source: string, calibrationEnd: string, options: FitOptions = {}, run: { threads?: number; log?: Logger } = {}): Promise<BtydModels> {
  const unitDays = options.unitDays ?? 7;
  const { rows } = await readSummary(db, source, calibrationEnd, unitDays);
  const { models: fitted, failure } = await fitBtydBeside(rows, calibrationEnd, options, (run.threads ?? 1) > 1 ? undefined : false);
  if (failure) run.log?.warn({ first: failure.split('\n')[0] }, "BTYD fits: Pareto/NBD's thread could not start or failed; its fits were made on the main thread instead (the same models, more slowly)");
  return {
    ...fitted,
    season: options.season === false ? null : await learnSeason(db, source, calibrationEnd, purchaseModel('bgnbd', fitted.bgnbd), unitDays),
  };
}
