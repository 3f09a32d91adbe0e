import { join } from 'node:path';
import { expect, test } from 'vitest';
import { inspectFile } from '../../pipeline/inspect/inspectFile.js';
import { inspectionConfig } from '../../pipeline/inspect/inspectionConfig.js';
import { proposeOrderTotal } from '../../pipeline/inspect/orderShape.js';
import { hostedExport } from '../helpers/hostedExport.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

test('a hosted shop\'s export: the order\'s fields on its first row are recognised and said, the revenue proposed, the statuses mapped', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const { csv, orders } = hostedExport(7, 30, 80);
    const path = writeFile(dir, 'orders_export.csv', csv);
    const f = await inspectFile(db, 'orders', path);
    expect(f.refusals).toEqual([]);
    expect(f.grain?.value).toBe('line');
    expect(f.dateFormat?.value).toBe('%Y-%m-%d %H:%M:%S %z');
    expect(f.currency?.value).toBe('USD');
    const several = orders.filter((o) => o.items.length > 1).length;
    expect(f.orderFields).toEqual({
      value: 'first_row',
      evidence: expect.stringContaining(`${several} of the ${several} orders with several lines leave "Email", "Created at", "Currency", "Refunded Amount", "Financial Status", "Discount Code", "Billing Name", "Billing Country", "Accepts Marketing" empty after their first line`),
    });
    expect(Object.fromEntries(Object.entries(f.columns).map(([k, v]) => [k, v.value]))).toEqual({
      order_id: 'Name', customer_id: 'Email', order_ts: 'Created at', currency: 'Currency', quantity: 'Lineitem quantity', unit_price: 'Lineitem price',
      product_id: 'Lineitem sku', product_name: 'Lineitem name', refunded_amount: 'Refunded Amount', order_status: 'Financial Status', discount_code: 'Discount Code',
      customer_name: 'Billing Name', customer_country: 'Billing Country', accepts_marketing: 'Accepts Marketing', order_total: 'Subtotal',
    });
    expect(f.columns.order_total!.evidence).toContain('revenue is each order\'s "Subtotal": its items after discounts, before "Shipping" and taxes, less "Refunded Amount"');
    expect(f.columns.order_total!.evidence).toContain('map "Total" instead to count shipping and taxes');
    expect(f.columns.refunded_amount!.evidence).toContain('read as a refund of that order');
    const byStatus = (s: string) => new Set(orders.filter((o) => o.status === s).map((o) => o.name)).size;
    expect(f.statuses).toEqual(expect.arrayContaining([
      { value: 'paid', meaning: 'sale', orders: byStatus('paid'), known: true },
      { value: 'voided', meaning: 'not_sale', orders: byStatus('voided'), known: true },
      { value: 'pending', meaning: 'not_sale', orders: byStatus('pending'), known: true },
      { value: 'refunded', meaning: 'sale', orders: byStatus('refunded'), known: true },
      { value: 'partially_refunded', meaning: 'sale', orders: byStatus('partially_refunded'), known: true },
    ]));
    const { yaml } = inspectionConfig({ orders: [f] }, '2026-12-04');
    expect(yaml).toMatch(/ {4}orderFields: "first_row" {2}# \d+ of the \d+ orders with several lines leave/);
    expect(yaml).toMatch(/ {4}statuses: {2}# what each "Financial Status" means: sale \(revenue\) or not_sale/);
    expect(yaml).toMatch(/ {6}"voided": "not_sale" {2}# \d+ orders?: never paid, or voided or cancelled/);
    expect(yaml).toMatch(/ {4}order_total: "Subtotal" {2}# revenue is each order's "Subtotal"/);
  }));
});

test('line items whose every line carries its order\'s fields are not the first-row shape; a status word inspect does not know is a sale, said', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'order_id,customer_id,order_ts,quantity,unit_price,status\n1,a,2023-01-01,1,2.00,on hold\n1,a,2023-01-01,2,3.00,on hold\n2,b,2023-01-02,1,4.00,paid\n');
    const f = await inspectFile(db, 'orders', join(path));
    expect(f.grain?.value).toBe('line');
    expect(f.orderFields).toBeUndefined();
    expect(f.columns.order_total).toBeUndefined();
    expect(f.statuses).toEqual([{ value: 'on_hold', meaning: 'sale', orders: 1, known: false }, { value: 'paid', meaning: 'sale', orders: 1, known: true }]);
    expect(inspectionConfig({ orders: [f] }, '2026-12-04').yaml).toContain('"on_hold": "sale"  # 1 order: not a word inspect knows, taken as a sale; say not_sale if these orders never became sales');
  }));
});

test('the revenue proposed: the subtotal when there is one, else the total', () => {
  expect(proposeOrderTotal(['Name', 'Subtotal', 'Total'], undefined)?.value).toBe('Subtotal');
  expect(proposeOrderTotal(['Name', 'Total Price'], 'Refunded')).toEqual({ value: 'Total Price', evidence: 'revenue is each order\'s "Total Price", shipping and taxes included, less "Refunded" (see refunded_amount), whatever its lines sum to' });
  expect(proposeOrderTotal(['Name', 'Price'], undefined)).toBeUndefined();
});

test('the statuses of several files of one kind are said together, their orders summed', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const head = 'order_id,customer_id,order_ts,quantity,unit_price,status\n';
    const a = await inspectFile(db, 'orders', writeFile(dir, 'a.csv', `${head}1,a,2023-01-01,1,2.00,paid\n1,a,2023-01-01,2,3.00,paid\n2,b,2023-01-02,1,4.00,voided\n`));
    const b = await inspectFile(db, 'orders', writeFile(dir, 'b.csv', `${head}3,a,2023-02-01,1,2.00,paid\n3,a,2023-02-01,2,3.00,paid\n4,b,2023-02-02,1,4.00,cancelled\n`));
    const { yaml, refusals } = inspectionConfig({ orders: [a, b] }, '2026-12-04');
    expect(refusals).toEqual([]);
    expect(yaml).toContain('      "paid": "sale"  # 2 orders\n      "cancelled": "not_sale"  # 1 order: never paid, or voided or cancelled\n      "voided": "not_sale"  # 1 order');
  }));
});
