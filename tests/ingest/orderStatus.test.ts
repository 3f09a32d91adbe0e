import { expect, test } from 'vitest';
import { DEFAULT_ORDER_STATUSES, normalStatus, orderStatuses, rejectUnknownStatuses, setAsideNonSales } from '../../pipeline/ingest/orderStatus.js';
import { withDb } from '../helpers/withDb.js';
import type { Database } from '../../pipeline/db/Database.js';

async function checked(db: Database, rows: [number, string, string | null, string | null, number, number | null][]) {
  await db.run(`CREATE OR REPLACE TEMP TABLE checked (line BIGINT, status VARCHAR, reason VARCHAR, reason_class VARCHAR, order_id VARCHAR, customer_id VARCHAR,
    order_ts TIMESTAMPTZ, amount DECIMAL(18, 2), order_total DECIMAL(18, 2), currency VARCHAR, order_status VARCHAR)`);
  for (const [line, order, customer, status, amount, total] of rows) {
    await db.run(`INSERT INTO checked VALUES ($1, 'ok', NULL, NULL, $2, $3, TIMESTAMPTZ '2023-01-01 10:00:00+00', $4, $5, 'USD', $6)`, [line, order, customer, amount, total, status]);
  }
}

test('statuses are compared without case, spaces or dashes; the defaults know the platforms\' words', () => {
  expect(normalStatus(' Partially Refunded ')).toBe('partially_refunded');
  expect(normalStatus('partially-paid')).toBe('partially_paid');
  for (const s of ['paid', 'partially_refunded', 'refunded']) expect(DEFAULT_ORDER_STATUSES[s]).toBe('sale');
  for (const s of ['pending', 'voided', 'cancelled', 'canceled']) expect(DEFAULT_ORDER_STATUSES[s]).toBe('not_sale');
});

test('the configured statuses override the defaults, compared as the values are', () => {
  const s = orderStatuses({ 'Partially Refunded': 'not_sale', 'On Hold': 'sale' });
  expect([s.partially_refunded, s.on_hold, s.paid, s.voided]).toEqual(['not_sale', 'sale', 'sale', 'not_sale']);
  expect(orderStatuses(undefined)).toEqual(DEFAULT_ORDER_STATUSES);
});

test('a status none of the configured ones is rejected with its reason; a blank status is a sale', async () => {
  await withDb(async (db) => {
    await checked(db, [[2, '#1', 'a', 'Paid', 10, null], [3, '#2', 'a', 'on hold', 5, null], [4, '#3', 'b', null, 7, null]]);
    await rejectUnknownStatuses(db, { paid: 'sale', voided: 'not_sale' });
    expect(await db.all('SELECT line, status, reason_class FROM checked ORDER BY line')).toEqual([
      { line: 2, status: 'ok', reason_class: null }, { line: 3, status: 'rejected', reason_class: 'order_status_unknown' }, { line: 4, status: 'ok', reason_class: null },
    ]);
  });
});

test('orders that never became sales are set aside whole, with their amount; a stored sale later voided leaves orders, a non-sale later paid leaves orders_left_out', async () => {
  await withDb(async (db) => {
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) VALUES ('#3', 'b', TIMESTAMPTZ '2022-12-01 00:00:00+00', DATE '2022-12-01', 9)`);
    await db.run(`INSERT INTO order_lines (order_id, customer_id, order_ts, order_date, amount) VALUES ('#3', 'b', TIMESTAMPTZ '2022-12-01 00:00:00+00', DATE '2022-12-01', 9)`);
    await db.run(`INSERT INTO orders_left_out (order_id, order_ts, order_date, amount, order_status) VALUES ('#1', TIMESTAMPTZ '2022-12-01 00:00:00+00', DATE '2022-12-01', 10, 'pending')`);
    await checked(db, [
      [2, '#1', 'a', 'paid', 10, null],
      [3, '#2', 'a', 'Pending', 4, 12], [4, '#2', 'a', 'Pending', 6, 12],
      [5, '#3', 'b', 'voided', 9, null],
    ]);
    const left = await setAsideNonSales(db, DEFAULT_ORDER_STATUSES, 'f.csv', 'run-1');
    expect(left).toEqual({ orders: 2, lines: 3 });
    expect(await db.all('SELECT line, status FROM checked ORDER BY line')).toEqual([
      { line: 2, status: 'ok' }, { line: 3, status: 'left_out' }, { line: 4, status: 'left_out' }, { line: 5, status: 'left_out' },
    ]);
    // The order's stated total when the export gives one (#2: 12, not its lines' 10), else its lines' sum.
    expect(await db.all('SELECT order_id, CAST(amount AS DOUBLE) AS amount, order_status, source_line FROM orders_left_out ORDER BY order_id')).toEqual([
      { order_id: '#2', amount: 12, order_status: 'pending', source_line: 3 }, { order_id: '#3', amount: 9, order_status: 'voided', source_line: 5 },
    ]);
    expect(await db.value('SELECT count(*) FROM orders')).toBe(0);
    expect(await db.value('SELECT count(*) FROM order_lines')).toBe(0);
  });
});
