import { expect, test } from 'vitest';
import { profileCustomersFromOrders, recordOrderCustomers } from '../../pipeline/ingest/customerProfiles.js';
import { withDb } from '../helpers/withDb.js';

test('an order keeps the customer\'s attributes of its first usable line', async () => {
  await withDb(async (db) => {
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount) VALUES ('#1', 'a', TIMESTAMPTZ '2023-01-01 00:00:00+00', DATE '2023-01-01', 1)`);
    await db.run(`CREATE TEMP TABLE checked AS SELECT * FROM (VALUES
      (3, 'ok', '#1', 'Ann', 'US', true), (2, 'ok', '#1', 'Ann A', 'GB', false), (1, 'rejected', '#1', 'X', 'XX', true))
      t(line, status, order_id, customer_name, customer_country, accepts_marketing)`);
    await recordOrderCustomers(db);
    expect(await db.all('SELECT customer_name, customer_country, accepts_marketing FROM orders')).toEqual([{ customer_name: 'Ann A', customer_country: 'GB', accepts_marketing: false }]);
  });
});

test('customers no customers file gives are profiled from their latest order that holds each value; opted out when it says no marketing', async () => {
  await withDb(async (db) => {
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount, customer_name, customer_country, accepts_marketing, source_file, source_line, loaded_run) VALUES
      ('#1', 'a', TIMESTAMPTZ '2023-01-01 00:00:00+00', DATE '2023-01-01', 1, 'Ann', 'US', true, 'o.csv', 2, 'r1'),
      ('#2', 'a', TIMESTAMPTZ '2023-02-01 00:00:00+00', DATE '2023-02-01', 1, NULL, 'GB', false, 'o.csv', 5, 'r1'),
      ('#3', 'b', TIMESTAMPTZ '2023-02-01 00:00:00+00', DATE '2023-02-01', 1, 'Bo', NULL, NULL, 'o.csv', 6, 'r1'),
      ('#4', NULL, TIMESTAMPTZ '2023-02-01 00:00:00+00', DATE '2023-02-01', 1, 'Guest', 'FR', true, 'o.csv', 7, 'r1'),
      ('#5', 'c', TIMESTAMPTZ '2023-02-01 00:00:00+00', DATE '2023-02-01', 1, 'Cy', 'DE', true, 'o.csv', 8, 'r1'),
      ('#6', 'd', TIMESTAMPTZ '2023-02-01 00:00:00+00', DATE '2023-02-01', 1, NULL, NULL, NULL, 'o.csv', 9, 'r1')`);
    await db.run(`INSERT INTO customers (customer_id, country, opted_out, source_file) VALUES ('c', 'AT', false, 'customers.csv')`);
    expect(await profileCustomersFromOrders(db)).toBe(2);
    // Run again: rebuilt, not added to.
    expect(await profileCustomersFromOrders(db)).toBe(2);
    expect(await db.all('SELECT customer_id, name, country, opted_out, from_orders, source_line FROM customers ORDER BY customer_id')).toEqual([
      { customer_id: 'a', name: 'Ann', country: 'GB', opted_out: true, from_orders: true, source_line: 5 },
      { customer_id: 'b', name: 'Bo', country: null, opted_out: null, from_orders: true, source_line: 6 },
      { customer_id: 'c', name: null, country: 'AT', opted_out: false, from_orders: null, source_line: null },
    ]);
  });
});
