import { literal, type Database } from '../db/Database.js';
import { InputError } from '../errors.js';

/**
 * The exchange rates of the run into temp table `fx` (currency, rate): from
 * a CSV of currency,rate that converts amounts into the configured
 * currency; empty without one.
 */
export async function loadExchangeRates(db: Database, path: string | undefined): Promise<void> {
  await db.run('CREATE OR REPLACE TEMP TABLE fx (currency VARCHAR, rate DECIMAL(18, 8))');
  if (!path) return;
  try {
    await db.run(`INSERT INTO fx SELECT upper(trim(currency)), rate FROM read_csv(${literal(path)}, header = true,
      columns = {'currency': 'VARCHAR', 'rate': 'DECIMAL(18, 8)'}, auto_detect = false)`);
  } catch (err) {
    throw new InputError(`exchange-rate file ${path} cannot be read as CSV currency,rate: ${(err as Error).message}`);
  }
}
