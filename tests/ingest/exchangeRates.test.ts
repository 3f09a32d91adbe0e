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
