import { literal, type Database } from '../db/Database.js';
import { InputError } from '../errors.js';

/*
 * The exchange rates of the run into temp table `fx` (currency, rate): from
 * a CSV of currency,rate that converts amounts into the configured
 * currency; empty without one. A file that would convert wrongly is refused
 * whole, naming its lines: a currency listed twice (each order would be
 * stored once per rate), a rate at or below zero (sales turned into nothing
 * or into refunds), a rate other than 1 for the run's own `currency` (every
 * amount multiplied by it), a line without a currency or a rate.
 */

/** A rate as written, without the trailing zeros of its DECIMAL(18, 8). */
const shownRate = `CASE WHEN rate = 0 THEN '0' ELSE rtrim(rtrim(CAST(rate AS VARCHAR), '0'), '.') END`;

export async function loadExchangeRates(db: Database, path: string | undefined, currency?: string): Promise<void> {
  await db.run('CREATE OR REPLACE TEMP TABLE fx (currency VARCHAR, rate DECIMAL(18, 8))');
  if (!path) return;
  try {
    // A table keeps the file's order: its rowid numbers the lines after the header.
    await db.run(`CREATE OR REPLACE TEMP TABLE fx_read AS SELECT upper(trim(currency)) AS currency, rate FROM read_csv(${literal(path)}, header = true,
      columns = {'currency': 'VARCHAR', 'rate': 'DECIMAL(18, 8)'}, auto_detect = false)`);
  } catch (err) {
    throw new InputError(`exchange-rate file ${path} cannot be read as CSV currency,rate: ${(err as Error).message}`, { cause: err });
  }
  try {
    const problems = (await db.all<{ problem: string }>(`WITH lines AS (SELECT rowid + 2 AS line, currency, rate FROM fx_read)
      SELECT 'line ' || line || ': ' || CASE
          WHEN NULLIF(currency, '') IS NULL THEN 'a rate without a currency'
          WHEN rate IS NULL THEN currency || ' has no rate'
          WHEN rate <= 0 THEN currency || ' has the rate ' || ${shownRate} || ', at or below zero (it would turn sales into nothing or into refunds)'
          WHEN currency = $currency AND rate <> 1 THEN currency || ' is the run''s own currency, given the rate ' || ${shownRate} || ' (every amount in it would be multiplied by it; leave it out)'
          WHEN count(*) OVER (PARTITION BY currency) > 1 THEN currency || ' is listed ' || count(*) OVER (PARTITION BY currency) || ' times (lines '
            || string_agg(line, ', ') OVER (PARTITION BY currency ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) || '): give each currency one rate'
        END AS problem
      FROM lines QUALIFY problem IS NOT NULL ORDER BY line`, { currency: currency ?? '' })).map((p) => p.problem);
    if (problems.length) {
      throw new InputError(`exchange-rate file ${path} cannot be used: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}. Each line converts one currency into ${currency ?? 'the run\'s currency'}: one line per currency, a positive rate`);
    }
    await db.run('INSERT INTO fx SELECT currency, rate FROM fx_read');
  } finally {
    await db.run('DROP TABLE IF EXISTS fx_read');
  }
}
