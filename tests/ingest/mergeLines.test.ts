import { expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { mergeLines } from '../../pipeline/ingest/mergeLines.js';
import { withDb } from '../helpers/withDb.js';

type Line = [line: number, order: string, customer: string | null, ts: string, product: string, quantity: number, cents: number, currency?: string];

/** `checked` as validateStage leaves it for a line-items file (amount per line). */
async function checked(db: Database, lines: Line[]) {
  await db.run('CREATE OR REPLACE TEMP TABLE fx (currency VARCHAR, rate DECIMAL(18, 8))');
  await db.run(`CREATE OR REPLACE TEMP TABLE checked (line BIGINT, raw VARCHAR, reason VARCHAR, reason_class VARCHAR, status VARCHAR, order_id VARCHAR,
    customer_id VARCHAR, order_ts TIMESTAMPTZ, amount DECIMAL(18, 2), currency VARCHAR, category VARCHAR, channel VARCHAR, discount_used BOOLEAN,
    quantity DECIMAL(18, 3), unit_price DECIMAL(18, 4), product_id VARCHAR, product_name VARCHAR)`);
  await db.run('CREATE OR REPLACE TEMP TABLE stage_lines (line BIGINT, raw VARCHAR)');
  for (const [line, order, customer, ts, product, q, cents, currency] of lines) {
    await db.run(`INSERT INTO checked VALUES ($1, NULL, NULL, NULL, 'ok', $2, $3, CAST($4 AS TIMESTAMPTZ), $5, $6, 'gifts', NULL, NULL, $7, $8, $9, NULL)`,
      [line, order, customer, ts, (q * cents) / 100, currency ?? 'GBP', q, cents / 100, product]);
    await db.run('INSERT INTO stage_lines VALUES ($1, $2)', [line, `line ${line}`]);
  }
  // The order's own amount, which a hosted shop's export states: none here.
  await db.run('ALTER TABLE checked ADD COLUMN order_total DECIMAL(18, 2); ALTER TABLE checked ADD COLUMN refunded_amount DECIMAL(18, 2)');
}

test('lines make orders: the sum of the lines, the earliest time; a cancellation is a refund; an order repeated is a duplicate, changed is replaced', async () => {
  await withDb(async (db) => {
    await checked(db, [
      [2, '536365', '17850', '2010-12-01 08:26:00Z', 'P1', 6, 255],
      [3, '536365', '17850', '2010-12-01 08:26:00Z', 'P2', 2, 339],
      [4, 'C536379', '17850', '2010-12-01 09:41:00Z', 'P1', -1, 255],
      [5, '536366', null, '2010-12-01 08:28:00Z', 'P3', 1, 185],
      [6, '536367', 'A', '2010-12-01 08:34:00Z', 'P1', 1, 100],
      [7, '536367', 'B', '2010-12-01 08:34:00Z', 'P2', 1, 100],
    ]);
    const first = await mergeLines(db, 'a.csv', 'r1');
    expect(first).toEqual({ rows_accepted: 4, rows_rejected: 2, rows_duplicate: 0, rows_new: 4, rows_updated: 0, orders_new: 3, orders_updated: 0 });
    expect(await db.all(`SELECT order_id, customer_id, CAST(amount AS VARCHAR) AS amount, line_count, source_line FROM orders ORDER BY order_id`)).toEqual([
      { order_id: '536365', customer_id: '17850', amount: '22.08', line_count: 2, source_line: 2 },
      { order_id: '536366', customer_id: null, amount: '1.85', line_count: 1, source_line: 5 },
      { order_id: 'C536379', customer_id: '17850', amount: '-2.55', line_count: 1, source_line: 4 },
    ]);
    expect(await db.value('SELECT count(*) FROM order_lines')).toBe(4);
    // The lines of 536367 name two customers: the order is rejected whole, each line saying so.
    expect(await db.all('SELECT line, reason_class, reason FROM rejected_rows ORDER BY line')).toEqual([
      { line: 6, reason_class: 'order_lines_disagree', reason: "order_id '536367' has lines of different customers (A, B)" },
      { line: 7, reason_class: 'order_lines_disagree', reason: "order_id '536367' has lines of different customers (A, B)" },
    ]);

    // The same file again adds nothing; a file where 536365 changed replaces its lines.
    await checked(db, [[2, '536365', '17850', '2010-12-01 08:26:00Z', 'P1', 6, 255], [3, '536365', '17850', '2010-12-01 08:26:00Z', 'P2', 2, 339]]);
    expect(await mergeLines(db, 'a.csv', 'r2')).toMatchObject({ rows_accepted: 0, rows_duplicate: 2, orders_new: 0 });
    await checked(db, [[2, '536365', '17850', '2010-12-01 08:26:00Z', 'P1', 7, 255]]);
    expect(await mergeLines(db, 'b.csv', 'r3')).toMatchObject({ rows_accepted: 1, rows_updated: 1, orders_updated: 1 });
    expect(await db.value(`SELECT CAST(amount AS VARCHAR) FROM orders WHERE order_id = '536365'`)).toBe('17.85');
    expect(await db.value(`SELECT count(*) FROM order_lines WHERE order_id = '536365'`)).toBe(1);
  });
});

test('lines in another currency are converted line by line, the file\'s amounts kept beside', async () => {
  await withDb(async (db) => {
    await checked(db, [[2, 'E1', 'A', '2025-01-01 10:00:00Z', 'P1', 3, 1000, 'EUR'], [3, 'E1', 'A', '2025-01-01 10:00:00Z', 'P2', 1, 333, 'EUR']]);
    await db.run(`INSERT INTO fx VALUES ('EUR', 1.10)`);
    await mergeLines(db, 'e.csv', 'r1');
    expect(await db.one(`SELECT CAST(amount AS VARCHAR) AS amount, CAST(amount_original AS VARCHAR) AS original FROM orders`)).toEqual({ amount: '36.66', original: '33.33' });
    expect((await db.all<{ a: string }>(`SELECT CAST(amount AS VARCHAR) AS a FROM order_lines ORDER BY source_line`)).map((r) => r.a)).toEqual(['33.00', '3.66']);
  });
});

test('a line repeated in its order is an item and counts; the order sent again is a repeat as a unit, changed it is replaced whole', async () => {
  await withDb(async (db) => {
    // The same item scanned twice in invoice 536400, and once in 536401.
    const invoice: Line[] = [
      [2, '536400', '17850', '2010-12-01 10:00:00Z', 'P1', 2, 255],
      [3, '536400', '17850', '2010-12-01 10:00:00Z', 'P1', 2, 255],
      [4, '536400', '17850', '2010-12-01 10:00:00Z', 'P2', 1, 100],
      [5, '536401', '17850', '2010-12-01 11:00:00Z', 'P1', 2, 255],
    ];
    await checked(db, invoice);
    expect(await mergeLines(db, 'a.csv', 'r1')).toEqual({ rows_accepted: 4, rows_rejected: 0, rows_duplicate: 0, rows_new: 4, rows_updated: 0, orders_new: 2, orders_updated: 0 });
    const amounts = async () => db.all(`SELECT order_id, CAST(amount AS VARCHAR) AS amount, line_count FROM orders ORDER BY order_id`);
    expect(await amounts()).toEqual([{ order_id: '536400', amount: '11.20', line_count: 3 }, { order_id: '536401', amount: '5.10', line_count: 1 }]);
    // The file again: nothing added, every line a duplicate of its stored order.
    await checked(db, invoice);
    expect(await mergeLines(db, 'a.csv', 'r2')).toMatchObject({ rows_accepted: 0, rows_duplicate: 4, orders_new: 0, orders_updated: 0 });
    expect(await amounts()).toEqual([{ order_id: '536400', amount: '11.20', line_count: 3 }, { order_id: '536401', amount: '5.10', line_count: 1 }]);
    // A copy of 536400 with the repeat gone is another order: it replaces the stored one, lines and all.
    await checked(db, [invoice[0]!, invoice[2]!]);
    expect(await mergeLines(db, 'b.csv', 'r3')).toMatchObject({ rows_accepted: 2, rows_updated: 2, orders_updated: 1 });
    expect(await amounts()).toEqual([{ order_id: '536400', amount: '6.10', line_count: 2 }, { order_id: '536401', amount: '5.10', line_count: 1 }]);
    expect(await db.value(`SELECT count(*) FROM order_lines WHERE order_id = '536400'`)).toBe(2);
    // Two more copies of the repeated line make another order again.
    await checked(db, [invoice[0]!, invoice[1]!, [6, '536400', '17850', '2010-12-01 10:00:00Z', 'P1', 2, 255], [7, '536400', '17850', '2010-12-01 10:00:00Z', 'P1', 2, 255], invoice[2]!]);
    expect(await mergeLines(db, 'c.csv', 'r4')).toMatchObject({ rows_updated: 5, orders_updated: 1 });
    expect(await amounts()).toEqual([{ order_id: '536400', amount: '21.40', line_count: 5 }, { order_id: '536401', amount: '5.10', line_count: 1 }]);
  });
});
