import { expect, test } from 'vitest';
import { settleOrderFields } from '../../pipeline/ingest/orderFields.js';
import { specs } from '../../pipeline/shared/inputSpecs.js';
import { withDb } from '../helpers/withDb.js';
import type { Database } from '../../pipeline/db/Database.js';

/** A staged orders file (every canonical column as text) from a few rows. */
async function stage(db: Database, rows: Record<string, string | null>[]) {
  const names = specs.orders.columns.map((c) => c.name);
  await db.run(`CREATE TEMP TABLE stage (line BIGINT, raw VARCHAR, structural_error VARCHAR, structural_class VARCHAR, ${names.map((n) => `${n} VARCHAR`).join(', ')})`);
  for (const r of rows) {
    const cols = Object.keys(r);
    await db.run(`INSERT INTO stage (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => r[c] ?? null));
  }
}

test('first_row: every line takes its order\'s own fields from the order\'s first line; the item fields stay the line\'s', async () => {
  await withDb(async (db) => {
    await stage(db, [
      { line: '2', order_id: '#1', customer_id: 'a@x', order_ts: '2023-01-01', order_total: '45.00', accepts_marketing: 'yes', product_name: 'Mug', quantity: '1' },
      { line: '3', order_id: '#1', customer_id: null, order_ts: null, order_total: null, product_name: 'Tea', quantity: '2' },
      // A guest's order: its first line has no email, and its later lines take none from elsewhere.
      { line: '4', order_id: '#2', customer_id: '', order_ts: '2023-01-02', order_total: '5', product_name: 'Pen', quantity: '1' },
      { line: '5', order_id: '#1', customer_id: 'other@x', order_ts: null, product_name: 'Cup', quantity: '1' },
      { line: '6', order_id: '#2', customer_id: null, order_ts: null, product_name: 'Ink', quantity: '3' },
      { line: '7', structural_error: 'too few columns', structural_class: 'too_few_columns' },
    ]);
    const relation = await settleOrderFields(db, 'stage', new Set(['order_id', 'customer_id', 'order_ts', 'order_total']), true);
    expect(await db.all(`SELECT line, order_id, customer_id, order_ts, order_total, accepts_marketing, product_name, quantity, structural_class FROM ${relation} ORDER BY line`)).toEqual([
      { line: 2, order_id: '#1', customer_id: 'a@x', order_ts: '2023-01-01', order_total: '45.00', accepts_marketing: 'yes', product_name: 'Mug', quantity: '1', structural_class: null },
      { line: 3, order_id: '#1', customer_id: 'a@x', order_ts: '2023-01-01', order_total: '45.00', accepts_marketing: 'yes', product_name: 'Tea', quantity: '2', structural_class: null },
      { line: 4, order_id: '#2', customer_id: '', order_ts: '2023-01-02', order_total: '5', accepts_marketing: null, product_name: 'Pen', quantity: '1', structural_class: null },
      { line: 5, order_id: '#1', customer_id: 'a@x', order_ts: '2023-01-01', order_total: '45.00', accepts_marketing: 'yes', product_name: 'Cup', quantity: '1', structural_class: null },
      { line: 6, order_id: '#2', customer_id: '', order_ts: '2023-01-02', order_total: '5', accepts_marketing: null, product_name: 'Ink', quantity: '3', structural_class: null },
      { line: 7, order_id: null, customer_id: null, order_ts: null, order_total: null, accepts_marketing: null, product_name: null, quantity: null, structural_class: 'too_few_columns' },
    ]);
  });
});

test('a discount code gives discount_used when no column does; with nothing to settle the relation is returned as it is', async () => {
  await withDb(async (db) => {
    await stage(db, [
      { line: '2', order_id: '#1', discount_code: 'WELCOME5' },
      { line: '3', order_id: '#2', discount_code: ' ' },
    ]);
    expect(await settleOrderFields(db, 'stage', new Set(['order_id']), false)).toBe('stage');
    const relation = await settleOrderFields(db, 'stage', new Set(['order_id', 'discount_code']), false);
    expect(await db.all(`SELECT order_id, discount_used FROM ${relation} ORDER BY line`)).toEqual([
      { order_id: '#1', discount_used: 'true' }, { order_id: '#2', discount_used: 'false' },
    ]);
  });
});
