import { expect, test } from 'vitest';
import { ingestInputs, plainIngestOptions, PLAIN_FORMAT, type IngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

/** A hosted shop's "Export orders": a row per line item, the order's own fields on its first row only. */
const HEADER = 'Name,Email,Financial Status,Accepts Marketing,Currency,Subtotal,Total,Discount Code,Created at,Lineitem quantity,Lineitem name,Lineitem price,Billing Name,Billing Country,Notes,Refunded Amount';
const ROWS = [
  '#1001,ann@example.com,paid,no,USD,45.00,50.00,WELCOME5,2023-01-01 22:42:00 +0200,1,Mug,20.00,Ann Archer,US,"gift wrap,\nplease",0.00',
  '#1001,,,,,,,,,1,Tea,30.00,,,,',
  '#1002,bob@example.com,partially_refunded,no,USD,30.00,35.00,,2023-01-31 23:30:00 -0500,2,Card,15.00,Bob Baker,CA,,10.00',
  '#1003,,voided,,USD,12.00,12.00,,2023-02-02 10:00:00 +0000,1,Pen,12.00,,,,0.00',
  '#1004,ann@example.com,Pending,yes,USD,8.00,8.00,,2023-02-03 10:00:00 +0000,1,Pen,8.00,Ann Archer,US,,0.00',
  '#1005,ann@example.com,paid,yes,USD,16.00,19.00,,2023-03-01 09:00:00 +0100,2,Pen,8.00,Ann Archer,GB,,',
  '#1006,,refunded,,USD,20.00,20.00,,2023-03-02 09:00:00 +0000,1,Cup,20.00,,,,20.00',
];
const COLUMNS = {
  order_id: 'Name', customer_id: 'Email', order_ts: 'Created at', currency: 'Currency', quantity: 'Lineitem quantity', unit_price: 'Lineitem price',
  product_name: 'Lineitem name', order_total: 'Subtotal', refunded_amount: 'Refunded Amount', order_status: 'Financial Status', discount_code: 'Discount Code',
  customer_name: 'Billing Name', customer_country: 'Billing Country', accepts_marketing: 'Accepts Marketing',
};

function hostedOptions(runId = 'run-1'): IngestOptions {
  const o = plainIngestOptions(runId, new Date('2026-01-01T00:00:00Z'));
  return {
    ...o,
    formats: { ...o.formats, orders: { ...PLAIN_FORMAT, grain: 'line', orderFields: 'first_row', dateFormats: ['%Y-%m-%d %H:%M:%S %z'] } },
    columns: { ...o.columns, orders: COLUMNS },
  };
}

test('a hosted shop\'s export: the order\'s fields from its first row, its amount the subtotal less refunds, times at their offset, non-sales set aside', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'orders_export.csv', [HEADER, ...ROWS].join('\n') + '\n');
    const [file] = await ingestInputs(db, { orders: [path] }, hostedOptions(), silentLogger);
    expect(file).toMatchObject({ rows_read: 7, physical_lines: 8, rows_accepted: 7, rows_rejected: 0, rows_duplicate: 0, orders_new: 4, orders_left_out: 2 });
    expect(await db.all(`SELECT order_id, customer_id, CAST(order_ts AS VARCHAR) AS ts, CAST(order_date AS VARCHAR) AS day, CAST(amount AS VARCHAR) AS amount,
        discount_used, line_count, customer_country, accepts_marketing FROM orders ORDER BY order_id`)).toEqual([
      // 20 + 30 in lines, 45.00 after the code's discount: the subtotal is the order's; 22:42 at +02:00 is 20:42 UTC.
      { order_id: '#1001', customer_id: 'ann@example.com', ts: '2023-01-01 20:42:00+00', day: '2023-01-01', amount: '45.00', discount_used: true, line_count: 2, customer_country: 'US', accepts_marketing: false },
      // 23:30 at -05:00 is the next day in UTC; 10.00 of its 30.00 refunded.
      { order_id: '#1002', customer_id: 'bob@example.com', ts: '2023-02-01 04:30:00+00', day: '2023-02-01', amount: '20.00', discount_used: false, line_count: 1, customer_country: 'CA', accepts_marketing: false },
      { order_id: '#1005', customer_id: 'ann@example.com', ts: '2023-03-01 08:00:00+00', day: '2023-03-01', amount: '16.00', discount_used: false, line_count: 1, customer_country: 'GB', accepts_marketing: true },
      // A guest's order, refunded whole: a sale whose amount is 0.
      { order_id: '#1006', customer_id: null, ts: '2023-03-02 09:00:00+00', day: '2023-03-02', amount: '0.00', discount_used: false, line_count: 1, customer_country: null, accepts_marketing: null },
    ]);
    // The basket keeps the lines as sold.
    expect(await db.all(`SELECT order_id, product_name, CAST(amount AS VARCHAR) AS amount FROM order_lines WHERE order_id = '#1001' ORDER BY source_line`))
      .toEqual([{ order_id: '#1001', product_name: 'Mug', amount: '20.00' }, { order_id: '#1001', product_name: 'Tea', amount: '30.00' }]);
    expect(await db.all(`SELECT order_id, customer_id, CAST(amount AS VARCHAR) AS amount, order_status, source_line FROM orders_left_out ORDER BY order_id`)).toEqual([
      { order_id: '#1003', customer_id: null, amount: '12.00', order_status: 'voided', source_line: 6 },
      { order_id: '#1004', customer_id: 'ann@example.com', amount: '8.00', order_status: 'pending', source_line: 7 },
    ]);
    // The profile: each customer's latest order's values (Ann accepted marketing on her last order; Bob did not).
    expect(await db.all('SELECT customer_id, name, country, opted_out, from_orders FROM customers ORDER BY customer_id')).toEqual([
      { customer_id: 'ann@example.com', name: 'Ann Archer', country: 'GB', opted_out: false, from_orders: true },
      { customer_id: 'bob@example.com', name: 'Bob Baker', country: 'CA', opted_out: true, from_orders: true },
    ]);
  }));
});

test('a later export moves an order between sales and non-sales; a customers file\'s profile wins over the orders\'', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const first = writeFile(dir, 'a.csv', [HEADER, ...ROWS].join('\n') + '\n');
    await ingestInputs(db, { orders: [first] }, hostedOptions('run-1'), silentLogger);
    // #1004 was paid after all, #1005 was voided; Ann's profile now comes from a customers file.
    const later = [HEADER, ROWS[4]!.replace('Pending', 'paid'), ROWS[5]!.replace(',paid,', ',voided,')].join('\n') + '\n';
    const customers = writeFile(dir, 'customers.csv', 'customer_id,country,opted_out\nann@example.com,FR,true\n');
    const [file] = await ingestInputs(db, { orders: [writeFile(dir, 'b.csv', later)], customers: [customers] }, hostedOptions('run-2'), silentLogger);
    expect(file).toMatchObject({ rows_read: 2, rows_accepted: 2, orders_new: 1, orders_left_out: 1 });
    expect((await db.all<{ order_id: string }>('SELECT order_id FROM orders ORDER BY order_id')).map((r) => r.order_id)).toEqual(['#1001', '#1002', '#1004', '#1006']);
    expect(await db.value(`SELECT count(*) FROM order_lines WHERE order_id = '#1005'`)).toBe(0);
    expect(await db.all('SELECT order_id, order_status FROM orders_left_out ORDER BY order_id')).toEqual([{ order_id: '#1003', order_status: 'voided' }, { order_id: '#1005', order_status: 'voided' }]);
    expect(await db.all('SELECT customer_id, country, opted_out, from_orders FROM customers ORDER BY customer_id')).toEqual([
      { customer_id: 'ann@example.com', country: 'FR', opted_out: true, from_orders: null },
      { customer_id: 'bob@example.com', country: 'CA', opted_out: true, from_orders: true },
    ]);
  }));
});

test('a status neither the configuration nor the defaults know rejects its order\'s lines, saying what to do', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', [HEADER, ROWS[0], ROWS[1], ROWS[2]!.replace('partially_refunded', 'on_hold')].join('\n') + '\n');
    const o = hostedOptions();
    o.formats.orders.statuses = { paid: 'sale', 'Partially Refunded': 'not_sale' };
    const [file] = await ingestInputs(db, { orders: [path] }, o, silentLogger);
    expect(file).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1 });
    expect(await db.all('SELECT line, reason_class, reason FROM rejected_rows')).toEqual([
      // Its physical line: the first order's note spans lines 2 and 3.
      { line: 5, reason_class: 'order_status_unknown', reason: "order_status 'on_hold' is not a status fidelio knows: say in formats.orders.statuses whether it is a sale or not_sale" },
    ]);
  }));
});

test('the order\'s own amount and refunds are read for line items only: a file of one row per order mapping them is refused before anything loads', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'order_id,customer_id,order_ts,amount,refunded_amount\n1,a,2023-01-01,10,2\n');
    await expect(ingestInputs(db, { orders: [path] }, plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z')), silentLogger))
      .rejects.toThrow(/refunded_amount is read for line items only .*set formats.orders.grain: line/);
    expect(await db.value('SELECT count(*) FROM orders')).toBe(0);
  }));
});

test('refunds without the order\'s own amount come off the lines\' sum', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'order_id,customer_id,order_ts,quantity,unit_price,refunded_amount\n1,a,2023-01-01,2,5.00,3.50\n1,a,2023-01-01,1,4.00,3.50\n2,a,2023-01-02,1,4.00,\n');
    const o = plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z'));
    o.formats = { ...o.formats, orders: { ...PLAIN_FORMAT, grain: 'line' } };
    await ingestInputs(db, { orders: [path] }, o, silentLogger);
    expect(await db.all('SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM orders ORDER BY order_id')).toEqual([{ order_id: '1', amount: '10.50' }, { order_id: '2', amount: '4.00' }]);
  }));
});

test('a file of one row per order: its status sets aside what never became a sale, its discount code gives discount_used', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'Name,Email,Financial Status,Created at,Total,Discount Code\n#1,a@x,paid,2023-01-01,10.00,SAVE\n#2,a@x,voided,2023-01-02,5.00,\n#3,b@x,Paid,2023-01-03,7.00,\n');
    const o = plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z'));
    o.columns = { ...o.columns, orders: { order_id: 'Name', customer_id: 'Email', order_status: 'Financial Status', order_ts: 'Created at', amount: 'Total', discount_code: 'Discount Code' } };
    const [file] = await ingestInputs(db, { orders: [path] }, o, silentLogger);
    expect(file).toMatchObject({ rows_read: 3, rows_accepted: 3, rows_new: 2, orders_left_out: 1 });
    expect(await db.all('SELECT order_id, discount_used FROM orders ORDER BY order_id')).toEqual([{ order_id: '#1', discount_used: true }, { order_id: '#3', discount_used: false }]);
    expect(await db.all('SELECT order_id, order_status FROM orders_left_out')).toEqual([{ order_id: '#2', order_status: 'voided' }]);
  }));
});

test('a rejected record that spans lines is one rejected row: its first line\'s number, its whole text', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const bad = ROWS[0]!.replace(',45.00,', ',forty-five,');
    const path = writeFile(dir, 'o.csv', [HEADER, bad, ROWS[1], ROWS[2]].join('\n') + '\n');
    const [file] = await ingestInputs(db, { orders: [path] }, hostedOptions(), silentLogger);
    // #1001's first record is rejected; its second line takes the order's fields from it, the bad total too: the order is rejected whole.
    expect(file).toMatchObject({ rows_read: 3, physical_lines: 4, rows_rejected: 2, rows_accepted: 1 });
    const rows = await db.all<{ line: number; raw: string; reason_class: string }>('SELECT line, raw, reason_class FROM rejected_rows ORDER BY line');
    expect(rows.map((r) => [r.line, r.reason_class])).toEqual([[2, 'order_total_not_a_number'], [4, 'order_total_not_a_number']]);
    expect(rows[0]!.raw).toBe(bad);
  }));
});

test('the same export read again doubles nothing: orders, lines, the orders left out and the profiles stay as they were', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'orders_export.csv', [HEADER, ...ROWS].join('\n') + '\n');
    const snapshot = async () => ({
      orders: await db.all('SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM orders ORDER BY order_id'),
      lines: await db.value('SELECT count(*) FROM order_lines'),
      leftOut: await db.all('SELECT order_id, order_status FROM orders_left_out ORDER BY order_id'),
      customers: await db.all('SELECT customer_id, country, opted_out FROM customers ORDER BY customer_id'),
    });
    await ingestInputs(db, { orders: [path] }, hostedOptions('run-1'), silentLogger);
    const once = await snapshot();
    const [again] = await ingestInputs(db, { orders: [path] }, { ...hostedOptions('run-2'), skipLoaded: false }, silentLogger);
    expect(await snapshot()).toEqual(once);
    // The sales' lines are repeats of what is stored; the left-out orders' lines are read (and set aside) again.
    expect(again).toMatchObject({ rows_read: 7, rows_duplicate: 5, rows_accepted: 2, rows_new: 0, rows_updated: 0, orders_left_out: 2 });
  }));
});
