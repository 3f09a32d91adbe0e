import { expect, test } from 'vitest';
import { INPUT_KINDS, headerColumn, specs } from '../../pipeline/shared/inputSpecs.js';

test('the contract\'s inputs: keys, required columns and the timestamp each kind is dated by', () => {
  expect(Object.keys(specs)).toEqual(['orders', 'customers', 'tickets', 'referrals']);
  expect([...INPUT_KINDS]).toEqual(Object.keys(specs));
  const required = (kind: keyof typeof specs) => specs[kind].columns.filter((c) => c.required).map((c) => c.name);
  // customer_id may be empty in orders: a guest order; amount may come from quantity x unit_price.
  expect(required('orders')).toEqual(['order_id', 'order_ts', 'amount']);
  expect(specs.orders.columns.filter((c) => c.id).map((c) => c.name)).toEqual(['order_id', 'customer_id']);
  expect(specs.orders.columns.find((c) => c.name === 'unit_price')).toMatchObject({ type: 'decimal', scale: 4 });
  expect(required('customers')).toEqual(['customer_id']);
  expect(required('tickets')).toEqual(['ticket_id', 'customer_id', 'opened_ts']);
  // A referred customer has one referrer: the key.
  expect(required('referrals')).toEqual(['referrer_id', 'referred_id', 'referral_date']);
  expect(specs.referrals).toMatchObject({ table: 'referrals', key: 'referred_id' });
  expect(specs.referrals.columns.filter((c) => c.id).map((c) => c.name)).toEqual(['referrer_id', 'referred_id']);
  expect(specs.orders).toMatchObject({ table: 'orders', key: 'order_id', timestamp: { column: 'order_ts', dateColumn: 'order_date' } });
  for (const spec of Object.values(specs)) expect(spec.columns.some((c) => c.name === spec.key && c.required)).toBe(true);
});

test('a column is read from the operator\'s mapping, else its own name, else an alias the header has', () => {
  const spec = specs.referrals;
  const identity = { referrer_id: 'referrer_id', referred_id: 'referred_id', referral_date: 'referral_date' };
  expect(headerColumn(spec, 'referral_date', ['referrer_id', 'referred_id', 'date'], identity)).toBe('date');
  expect(headerColumn(spec, 'referral_date', ['referral_date', 'date'], identity)).toBe('referral_date');
  expect(headerColumn(spec, 'referral_date', ['date', 'when'], { ...identity, referral_date: 'when' })).toBe('when');
  // Without the column or an alias: its own name, for the message that it is missing.
  expect(headerColumn(spec, 'referral_date', ['x'], identity)).toBe('referral_date');
  expect(headerColumn(specs.orders, 'order_ts', ['date'], {})).toBe('order_ts');
});
