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
