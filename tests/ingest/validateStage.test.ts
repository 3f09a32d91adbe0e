import { describe, expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { validateStage, type ValidationContext } from '../../pipeline/ingest/validateStage.js';
import { ISO_VALUES } from '../../pipeline/shared/inputFormats.js';
import { specs } from '../../pipeline/shared/inputSpecs.js';
import { withDb } from '../helpers/withDb.js';

const COLUMNS = ['order_id', 'customer_id', 'order_ts', 'amount', 'currency', 'discount_used', 'quantity', 'unit_price', 'product_id'] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;

/** A staged orders file as stageFile leaves it: line, raw, structural error and class, every column as text. */
async function stage(db: Database, rows: Row[]) {
  await db.run(`CREATE TEMP TABLE fx (currency VARCHAR, rate DECIMAL(18, 8)); INSERT INTO fx VALUES ('EUR', 1.1)`);
  await db.run(`CREATE TEMP TABLE stage (line BIGINT, raw VARCHAR, structural_error VARCHAR, structural_class VARCHAR, order_id VARCHAR, customer_id VARCHAR,
    order_ts VARCHAR, amount VARCHAR, currency VARCHAR, category VARCHAR, channel VARCHAR, discount_used VARCHAR,
    quantity VARCHAR, unit_price VARCHAR, product_id VARCHAR, product_name VARCHAR, order_total VARCHAR, refunded_amount VARCHAR, order_status VARCHAR,
    discount_code VARCHAR, customer_name VARCHAR, customer_country VARCHAR, accepts_marketing VARCHAR)`);
  for (const [i, r] of rows.entries()) {
    await db.run(`INSERT INTO stage (line, ${COLUMNS.join(', ')}) VALUES ($1, ${COLUMNS.map((_, k) => `$${k + 2}`).join(', ')})`, [i + 2, ...COLUMNS.map((c) => r[c] ?? null)]);
  }
}

const context = (over: Partial<ValidationContext> = {}): ValidationContext => ({
  runTime: new Date('2026-01-01T00:00:00Z'), currency: 'USD', format: ISO_VALUES, earliestDate: '1990-01-01', grain: 'order',
  mapped: new Set(['order_id', 'customer_id', 'order_ts', 'amount', 'currency', 'discount_used']), ...over,
});

const checked = (db: Database) => db.all<{ line: number; status: string; reason: string | null; reason_class: string | null }>(
  'SELECT line, status, reason, reason_class FROM checked ORDER BY line');

describe('orders', () => {
  test('every problem of a line in its reason and its class; repeats as duplicates; a conflicting repeat names the first line', async () => {
    await withDb(async (db) => {
      await stage(db, [
        { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '12.50', currency: 'USD', discount_used: 'yes' },
        { order_id: 'O2', customer_id: '', order_ts: 'yesterday', amount: '12,50', currency: 'GBP', discount_used: 'maybe' },
        { order_id: 'O3', customer_id: 'B', order_ts: '2027-01-01', amount: '5', currency: 'eur' },
        { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '12.50', currency: 'USD', discount_used: 'yes' },
        { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '99.00', currency: 'USD', discount_used: 'yes' },
      ]);
      await validateStage(db, specs.orders, context());
      expect(await checked(db)).toEqual([
        { line: 2, status: 'ok', reason: null, reason_class: null },
        {
          line: 3, status: 'rejected',
          reason: "order_ts 'yesterday' is not an ISO 8601 date or timestamp; amount '12,50' uses a decimal comma; expected a decimal point (set formats.orders.decimal: \",\"); discount_used 'maybe' is not a boolean (true/false, 1/0, yes/no); currency 'GBP' is not USD and no exchange rate was given for it (config exchangeRates)",
          reason_class: 'order_ts_not_a_date;amount_decimal_comma;discount_used_not_a_boolean;currency_without_rate',
        },
        { line: 4, status: 'rejected', reason: "order_ts '2027-01-01' is after the time of the run (2026-01-01T00:00:00Z); a clock or export error?", reason_class: 'order_ts_after_run_time' },
        { line: 5, status: 'duplicate', reason: null, reason_class: null },
        {
          line: 6, status: 'rejected',
          reason: "order_id 'O1' already appears at line 2 of this file with different values (several lines per order? they are line items: set formats.orders.grain: line)",
          reason_class: 'order_id_repeated_with_other_values',
        },
      ]);
      // The guest (no customer_id) on line 3 is not a problem in itself.
      expect(await db.value('SELECT discount_used FROM checked WHERE line = 2')).toBe(true);
    });
  });

  test('a boolean in any of its words, cased and spaced as exports write them; an empty one is unknown; anything else is rejected', async () => {
    // The words as an export writes them, and what they mean; null: the column left empty or absent.
    const words: [string | null, boolean | null][] = [
      ['true', true], ['TRUE', true], [' True ', true], ['t', true], ['T', true], ['1', true], ['yes', true], ['Yes', true], ['y', true], ['Y ', true],
      ['false', false], ['FALSE', false], ['f', false], ['F', false], ['0', false], [' 0', false], ['no', false], ['NO', false], ['n', false], ['N', false],
      ['', null], ['  ', null], [null, null],
    ];
    const refused = ['maybe', 'yess', '2', 'on', 'true1'];
    await withDb(async (db) => {
      await stage(db, [...words.map(([w]) => w), ...refused].map((w, i) => (
        { order_id: `O${i}`, customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '1.00', currency: 'USD', ...(w === null ? {} : { discount_used: w }) })));
      await validateStage(db, specs.orders, context());
      const rows = await db.all<{ line: number; status: string; discount_used: boolean | null; reason_class: string | null }>(
        'SELECT line, status, discount_used, reason_class FROM checked ORDER BY line');
      expect(rows.slice(0, words.length).map((r) => [r.status, r.discount_used])).toEqual(words.map(([, v]) => ['ok', v]));
      expect(rows.slice(words.length).map((r) => [r.status, r.reason_class])).toEqual(refused.map(() => ['rejected', 'discount_used_not_a_boolean']));
    });
  });

  test("the file's own formats: decimal commas, thousands points, day-first dates, a currency sign", async () => {
    await withDb(async (db) => {
      await stage(db, [
        { order_id: 'O1', customer_id: 'A', order_ts: '31/12/2025 18:05', amount: '1.234,56' },
        { order_id: 'O2', customer_id: 'A', order_ts: '2025-12-30', amount: '€ 7,5' },
        { order_id: 'O3', customer_id: 'A', order_ts: '12/31/2025 18:05', amount: '3' },
      ]);
      await validateStage(db, specs.orders, context({ format: { decimal: ',', thousands: '.', dateFormats: ['%d/%m/%Y %H:%M'] } }));
      const rows = await db.all<{ line: number; amount: string | null; ts: string | null; reason: string | null }>(
        `SELECT line, CAST(amount AS VARCHAR) AS amount, strftime(order_ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS ts, reason FROM checked ORDER BY line`);
      expect(rows).toEqual([
        { line: 2, amount: '1234.56', ts: '2025-12-31 18:05', reason: null },
        { line: 3, amount: '7.50', ts: '2025-12-30 00:00', reason: null },
        // Month first does not read as day first: the reason says which format would have read it.
        { line: 4, amount: '3.00', ts: null, reason: "order_ts '12/31/2025 18:05' is not an ISO 8601 date or timestamp nor %d/%m/%Y %H:%M (it reads as %m/%d/%Y %H:%M: set formats.orders.dateFormat)" },
      ]);
    });
  });
});

describe('values read as they are', () => {
  // A file whose values have no space separator at either end (textCopy.ts, edgeSpaces) is checked without trimming
  // them (ValidationContext.trimmed): every column of every line, its reasons and statuses too, as when trimmed.
  test.each([
    ['a point and ISO dates', {}, [
      { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '12.50', currency: 'USD', discount_used: 'yes' },
      { order_id: 'O2', customer_id: '', order_ts: 'yesterday', amount: '12,50', currency: 'GBP', discount_used: 'maybe' },
      { order_id: 'O3', customer_id: 'B', order_ts: '2027-01-01', amount: '1e30', currency: 'eur' },
      { order_id: 'O4', customer_id: 'Jane Doe', order_ts: '2025-01-02 10:00', amount: '$5', currency: 'usd', discount_used: '' },
      { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '99.00', currency: 'USD', discount_used: 'yes' },
      { order_id: '', customer_id: 'C', order_ts: '', amount: '', currency: '' },
    ]],
    ["a comma, thousands points and the file's own dates", { format: { decimal: ',', thousands: '.', dateFormats: ['%d/%m/%Y %H:%M'] } }, [
      { order_id: 'O1', customer_id: 'A', order_ts: '31/12/2025 18:05', amount: '1.234,56' },
      { order_id: 'O2', customer_id: 'A', order_ts: '2025-12-30', amount: '€ 7,5' },
      { order_id: 'O3', customer_id: 'A', order_ts: '12/31/2025 18:05', amount: '3_0' },
    ]],
  ] as [string, Partial<ValidationContext>, Row[]][])('%s', async (_name, over, rows) => {
    const run = (trimmed: boolean) => withDb(async (db) => {
      await stage(db, rows);
      await validateStage(db, specs.orders, context({ ...over, trimmed }));
      return db.all('SELECT * FROM checked ORDER BY line');
    });
    const [read, trimmed] = [await run(true), await run(false)];
    expect(read).toEqual(trimmed);
    expect(read.filter((r) => r.status === 'ok').length).toBeGreaterThan(0);
    expect(read.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
  });

  test('values with spaces around them (a file not said trimmed) are trimmed wherever they are read', async () => {
    await withDb(async (db) => {
      await stage(db, [
        // A required id of spaces is missing; an optional boolean of spaces is unknown, not refused.
        { order_id: '   ', customer_id: 'A', order_ts: '2025-01-01', amount: '1.00', currency: 'USD' },
        { order_id: 'O2', customer_id: ' A ', order_ts: ' 2025-01-01 ', amount: ' 2.50 ', currency: ' usd ', discount_used: '  ' },
        // A decimal comma is named as one, spaces around it or not.
        { order_id: 'O3', customer_id: 'A', order_ts: '2025-01-01', amount: ' 12,50 ', currency: 'USD' },
      ]);
      await validateStage(db, specs.orders, context({ trimmed: false }));
      const rows = await db.all<{ line: number; status: string; reason_class: string | null; customer_id: string | null; amount: string | null; currency: string | null; discount_used: boolean | null }>(
        'SELECT line, status, reason_class, customer_id, CAST(amount AS VARCHAR) AS amount, currency, discount_used FROM checked ORDER BY line');
      expect(rows).toEqual([
        { line: 2, status: 'rejected', reason_class: 'missing_order_id', customer_id: 'A', amount: '1.00', currency: 'USD', discount_used: null },
        { line: 3, status: 'ok', reason_class: null, customer_id: 'A', amount: '2.50', currency: 'usd', discount_used: null },
        { line: 4, status: 'rejected', reason_class: 'amount_decimal_comma', customer_id: 'A', amount: null, currency: 'USD', discount_used: null },
      ]);
    });
  });

  test('a referral naming one customer twice, spaces around one of the two, refers that customer to themself', async () => {
    await withDb(async (db) => {
      await db.run(`CREATE TEMP TABLE stage (line BIGINT, raw VARCHAR, structural_error VARCHAR, structural_class VARCHAR, referrer_id VARCHAR, referred_id VARCHAR, referral_date VARCHAR);
        INSERT INTO stage VALUES (2, NULL, NULL, NULL, ' C1', 'C1 ', '2025-01-01'), (3, NULL, NULL, NULL, 'C1', 'C2', '2025-01-01')`);
      await validateStage(db, specs.referrals, context({ mapped: new Set(['referrer_id', 'referred_id', 'referral_date']), trimmed: false }));
      expect(await db.all('SELECT line, status, reason_class FROM checked ORDER BY line')).toEqual([
        { line: 2, status: 'rejected', reason_class: 'self_referral' },
        { line: 3, status: 'ok', reason_class: null },
      ]);
    });
  });

  test('a value with a space at its end is not what its trim is: read as it is, it is not taken for the trimmed one', async () => {
    // Why the file is scanned first: the same line, trimmed and not.
    const row = { order_id: 'O1', customer_id: 'A ', order_ts: '2025-01-01', amount: '1.00', currency: 'USD ' };
    const run = (trimmed: boolean) => withDb(async (db) => {
      await stage(db, [row]);
      await validateStage(db, specs.orders, context({ trimmed }));
      return db.one<{ customer_id: string; status: string }>('SELECT customer_id, status FROM checked');
    });
    expect(await run(false)).toEqual({ customer_id: 'A', status: 'ok' });
    expect(await run(true)).toMatchObject({ customer_id: 'A ', status: 'rejected' });
  });
});

describe('line items', () => {
  test("a line's amount is quantity x unit_price to the cent; a repeated line is an item of its order, not a duplicate; lines share their order's id", async () => {
    await withDb(async (db) => {
      const line = { order_id: 'I1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z' };
      await stage(db, [
        { ...line, quantity: '3', unit_price: '2.125', product_id: 'P1' },
        { ...line, quantity: '-1', unit_price: '4.00', product_id: 'P2' },
        { ...line, quantity: '3', unit_price: '2.125', product_id: 'P1' },
        { ...line, quantity: '', unit_price: '4.00', product_id: 'P3' },
      ]);
      await validateStage(db, specs.orders, context({ grain: 'line', mapped: new Set(['order_id', 'customer_id', 'order_ts', 'quantity', 'unit_price', 'product_id']) }));
      const rows = await db.all(`SELECT line, status, CAST(amount AS VARCHAR) AS amount, reason_class FROM checked ORDER BY line`);
      expect(rows).toEqual([
        { line: 2, status: 'ok', amount: '6.38', reason_class: null },
        { line: 3, status: 'ok', amount: '-4.00', reason_class: null },
        { line: 4, status: 'ok', amount: '6.38', reason_class: null },
        { line: 5, status: 'rejected', amount: null, reason_class: 'missing_quantity' },
      ]);
    });
  });
});

describe('columns the file does not provide', () => {
  /** Every column of the spec and the check's own, in one order, with each column's type. */
  async function snapshot(db: Database, relation: string) {
    const names = ['line', 'status', 'reason', 'reason_class', ...specs.orders.columns.map((c) => c.name)];
    const types = await db.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE ${relation})`);
    const typeOf = new Map(types.map((t) => [t.column_name, t.column_type]));
    const rows = await db.all(`SELECT ${names.map((n) => `CAST(${n} AS VARCHAR) AS ${n}`).join(', ')} FROM ${relation} ORDER BY line`);
    return { types: names.map((n) => [n, typeOf.get(n)]), rows };
  }

  test.each([
    ['orders', context(), [
      { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '12.50', currency: 'USD', discount_used: 'yes' },
      { order_id: 'O2', customer_id: '', order_ts: 'yesterday', amount: '12,50', currency: 'GBP', discount_used: 'maybe' },
      { order_id: 'O3', customer_id: 'B', order_ts: '2025-02-01', amount: '5', currency: 'eur' },
      { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '12.50', currency: 'USD', discount_used: 'yes' },
      { order_id: 'O1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', amount: '99.00', currency: 'USD', discount_used: 'yes' },
    ]],
    ['line items', context({ grain: 'line', mapped: new Set(['order_id', 'customer_id', 'order_ts', 'quantity', 'unit_price', 'product_id']) }), [
      { order_id: 'I1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', quantity: '3', unit_price: '2.125', product_id: 'P1' },
      { order_id: 'I1', customer_id: 'A', order_ts: '2025-01-01T10:00:00Z', quantity: '', unit_price: '4.00', product_id: 'P3' },
      { order_id: 'I2', customer_id: 'B', order_ts: '2030-01-01', quantity: '1', unit_price: 'x', product_id: 'P1' },
    ]],
  ] as const)('%s: checked holds the columns the file provides, checked_full the rest as NULLs of their types; the same rows and types as checking every column', async (_, ctx, rows) => {
    await withDb(async (db) => {
      await stage(db, [...rows]);
      await validateStage(db, specs.orders, { ...ctx, columns: 'all' });
      const every = await snapshot(db, 'checked');
      await validateStage(db, specs.orders, ctx);
      const held = (await db.all<{ column_name: string }>('SELECT column_name FROM (DESCRIBE checked)')).map((c) => c.column_name);
      const provided = [...ctx.mapped, ...(ctx.mapped.has('amount') ? [] : ['amount'])];
      expect(held.filter((c) => specs.orders.columns.some((s) => s.name === c)).sort()).toEqual(provided.sort());
      expect(await snapshot(db, 'checked_full')).toEqual(every);
      expect(every.rows.length).toBe(rows.length);
    });
  });
});
