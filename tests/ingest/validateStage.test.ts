import { expect, test } from 'vitest';
import { validateStage } from '../../pipeline/ingest/validateStage.js';
import { specs } from '../../pipeline/shared/inputSpecs.js';
import { withDb } from '../helpers/withDb.js';

/** A staged orders file as stageFile leaves it: line, raw, structural error, every column as text. */
async function stage(db: Parameters<typeof validateStage>[0], rows: (string | null)[][]) {
  await db.run(`CREATE TEMP TABLE fx (currency VARCHAR, rate DECIMAL(18, 8)); INSERT INTO fx VALUES ('EUR', 1.1)`);
  await db.run(`CREATE TEMP TABLE stage (line BIGINT, raw VARCHAR, structural_error VARCHAR, order_id VARCHAR, customer_id VARCHAR,
    order_ts VARCHAR, amount VARCHAR, currency VARCHAR, category VARCHAR, channel VARCHAR, discount_used VARCHAR)`);
  for (const [i, r] of rows.entries()) await db.run('INSERT INTO stage VALUES ($1, NULL, NULL, $2, $3, $4, $5, $6, NULL, NULL, $7)', [i + 2, ...r]);
}

test('each row is typed and checked: every problem of a line in its reason, repeats as duplicates, conflicting repeats rejected', async () => {
  await withDb(async (db) => {
    await stage(db, [
      ['O1', 'A', '2025-01-01T10:00:00Z', '12.50', 'USD', 'yes'],
      ['O2', '', 'yesterday', '12,50', 'GBP', 'maybe'],
      ['O3', 'B', '2027-01-01', '5', 'eur', null],
      ['O1', 'A', '2025-01-01T10:00:00Z', '12.50', 'USD', 'yes'],
      ['O1', 'A', '2025-01-01T10:00:00Z', '99.00', 'USD', 'yes'],
    ]);
    await validateStage(db, specs.orders, { runTime: new Date('2026-01-01T00:00:00Z'), currency: 'USD' });
    const rows = await db.all<{ line: number; status: string; reason: string | null }>('SELECT line, status, reason FROM checked ORDER BY line');
    expect(rows).toEqual([
      { line: 2, status: 'ok', reason: null },
      { line: 3, status: 'rejected', reason: "missing customer_id; order_ts 'yesterday' is not an ISO 8601 date or timestamp; amount '12,50' uses a decimal comma; expected a decimal point; discount_used 'maybe' is not a boolean (true/false, 1/0, yes/no); currency 'GBP' is not USD and no exchange rate was given for it (config exchangeRates)" },
      { line: 4, status: 'rejected', reason: "order_ts '2027-01-01' is after the time of the run (2026-01-01T00:00:00Z); a clock or export error?" },
      { line: 5, status: 'duplicate', reason: null },
      { line: 6, status: 'rejected', reason: "order_id 'O1' already appears at line 2 of this file with different values" },
    ]);
    expect(await db.value('SELECT discount_used FROM checked WHERE line = 2')).toBe(true);
  });
});
