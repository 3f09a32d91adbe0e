import { expect, test } from 'vitest';
import { specs } from '../../pipeline/shared/inputSpecs.js';

test('the contract\'s inputs: keys, required columns and the timestamp each kind is dated by', () => {
  expect(Object.keys(specs)).toEqual(['orders', 'customers', 'tickets']);
  const required = (kind: keyof typeof specs) => specs[kind].columns.filter((c) => c.required).map((c) => c.name);
  // customer_id may be empty in orders: a guest order; amount may come from quantity x unit_price.
  expect(required('orders')).toEqual(['order_id', 'order_ts', 'amount']);
  expect(specs.orders.columns.filter((c) => c.id).map((c) => c.name)).toEqual(['order_id', 'customer_id']);
  expect(specs.orders.columns.find((c) => c.name === 'unit_price')).toMatchObject({ type: 'decimal', scale: 4 });
  expect(required('customers')).toEqual(['customer_id']);
  expect(required('tickets')).toEqual(['ticket_id', 'customer_id', 'opened_ts']);
  expect(specs.orders).toMatchObject({ table: 'orders', key: 'order_id', timestamp: { column: 'order_ts', dateColumn: 'order_date' } });
  for (const spec of Object.values(specs)) expect(spec.columns.some((c) => c.name === spec.key && c.required)).toBe(true);
});
