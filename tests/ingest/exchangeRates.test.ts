import { expect, test } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { loadExchangeRates } from '../../pipeline/ingest/exchangeRates.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

test('rates are read into fx with their currency in capitals; no file, no rates; a bad file is an input error', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    await loadExchangeRates(db, undefined);
    expect(await db.value('SELECT count(*) FROM fx')).toBe(0);
    await loadExchangeRates(db, writeFile(dir, 'rates.csv', 'currency,rate\n eur ,1.08\nGBP,1.27\n'));
    expect(await db.all('SELECT currency, CAST(rate AS VARCHAR) AS rate FROM fx ORDER BY currency')).toEqual([
      { currency: 'EUR', rate: '1.08000000' }, { currency: 'GBP', rate: '1.27000000' },
    ]);
    await expect(loadExchangeRates(db, writeFile(dir, 'bad.csv', 'currency,rate\nEUR,lots\n'))).rejects.toThrow(InputError);
  }));
});

test('a rates file that would convert wrongly is refused whole, naming its lines', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const refused = async (text: string) => {
      const err = await loadExchangeRates(db, writeFile(dir, 'rates.csv', text), 'USD').then(() => undefined, (e: unknown) => e);
      expect(err, text).toBeInstanceOf(InputError);
      expect(await db.value('SELECT count(*) FROM fx')).toBe(0);
      return (err as Error).message;
    };
    // EUR twice: each EUR order would be stored once per rate (issue 26: Q1 as 100.00 and as 55.00).
    expect(await refused('currency,rate\nEUR,1.1\nGBP,1.27\neur,2.0\n')).toContain('line 2: EUR is listed 2 times (lines 2, 4): give each currency one rate');
    // The run's own currency: USD,3 in a USD run multiplied every amount by 3.
    expect(await refused('currency,rate\nEUR,1.1\nUSD,3\n')).toContain("line 3: USD is the run's own currency, given the rate 3 (every amount in it would be multiplied by it; leave it out)");
    expect(await refused('currency,rate\nEUR,0\n')).toContain('line 2: EUR has the rate 0, at or below zero');
    expect(await refused('currency,rate\nEUR,1.1\nGBP,-1.27\n')).toContain('line 3: GBP has the rate -1.27, at or below zero (it would turn sales into nothing or into refunds)');
    expect(await refused('currency,rate\nEUR,\n,1.2\n')).toMatch(/line 2: EUR has no rate; line 3: a rate without a currency/);
    // A rate of 1 for the run's own currency changes nothing: taken.
    await loadExchangeRates(db, writeFile(dir, 'ok.csv', 'currency,rate\nUSD,1\nEUR,1.08\n'), 'USD');
    expect(await db.value('SELECT count(*) FROM fx')).toBe(2);
  }));
});
