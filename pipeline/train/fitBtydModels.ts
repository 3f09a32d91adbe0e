import { fitBtyd, type BtydModels, type FitOptions } from '../btyd/fitBtyd.js';
import { purchaseModel } from '../btyd/purchaseModel.js';
import type { Database } from '../db/Database.js';
import { learnSeason } from '../features/btydSeason.js';
import { readSummary } from '../features/btydSummary.js';

/**
 * The BTYD models (btyd/fitBtyd.ts) fitted on the orders of table `source`
 * (customer_id, order_date, amount) up to `calibrationEnd`: every
 * purchase-model candidate and Gamma-Gamma on the customers' summaries,
 * then the seasonal profile of the same orders (under a year of history,
 * learnt against BG/NBD's expectations: btyd/season.ts).
 */
export async function fitBtydModels(db: Database, source: string, calibrationEnd: string, options: FitOptions = {}): Promise<BtydModels> {
  const unitDays = options.unitDays ?? 7;
  const { rows } = await readSummary(db, source, calibrationEnd, unitDays);
  const fitted = fitBtyd(rows, calibrationEnd, options);
  return {
    ...fitted,
    season: options.season === false ? null : await learnSeason(db, source, calibrationEnd, purchaseModel('bgnbd', fitted.bgnbd), unitDays),
  };
}
