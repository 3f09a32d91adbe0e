import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../../pipeline/config.js';
import type { FileInspection } from '../../pipeline/inspect/inspectFile.js';
import { inspectionConfig } from '../../pipeline/inspect/inspectionConfig.js';

const file = (over: Partial<FileInspection> = {}): FileInspection => ({
  kind: 'orders', path: '/data/orders.csv', format: 'csv', lines: 1200,
  encoding: { value: 'utf-8', evidence: 'valid UTF-8' }, delimiter: { value: ';', evidence: 'every line splits into 5' },
  decimal: { value: ',', evidence: 'commas' }, thousands: { value: '.', evidence: 'points' }, dateFormat: { value: '%d/%m/%Y', evidence: 'day first' },
  grain: { value: 'order', evidence: 'unique ids' }, currency: { value: 'EUR', evidence: 'every value EUR' },
  columns: { order_id: { value: 'Order No', evidence: 'usual' }, amount: { value: 'Total # net', evidence: 'usual' } },
  undecided: ['no customer column'], refusals: [], ...over,
});

test('a complete configuration that the schema takes as it is, every guess commented with its evidence', () => {
  const customers: FileInspection = { ...file({ kind: 'customers', path: '/data/customers.csv', dateFormat: undefined, grain: undefined, currency: undefined }), columns: { customer_id: { value: 'id', evidence: 'usual' } } };
  const { yaml, refusals } = inspectionConfig({ orders: [file()], customers: [customers] }, '2026-12-01');
  expect(refusals).toEqual([]);
  const parsed = configSchema.safeParse(parse(yaml));
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  const c = parsed.data!;
  expect(c.orders).toEqual(['/data/orders.csv']);
  expect(c.currency).toBe('EUR');
  expect(c.formats.orders).toMatchObject({ delimiter: ';', decimal: ',', thousands: '.', dateFormat: '%d/%m/%Y', grain: 'order' });
  expect(c.columns.orders.amount).toBe('Total # net');
  expect(c.columns.customers.customer_id).toBe('id');
  expect(yaml).toContain('    decimal: ","  # commas');
  expect(yaml).toContain('#   - orders (/data/orders.csv): no customer column');
});

test("a file's refusals, or files of one kind written differently, are refusals of the whole", () => {
  expect(inspectionConfig({ orders: [file({ refusals: ['dates cannot be told'] })] }, '2026-12-01').refusals).toEqual(['dates cannot be told']);
  const mixed = inspectionConfig({ orders: [file(), file({ path: '/data/more.csv', delimiter: { value: ',', evidence: '' } })] }, '2026-12-01');
  expect(mixed.refusals[0]).toContain('are written differently (delimiter)');
});
