import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeExport } from '../../pipeline/demo/exportShapes.js';
import { inspectFile } from '../../pipeline/inspect/inspectFile.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const values = (f: Awaited<ReturnType<typeof inspectFile>>) => ({
  encoding: f.encoding?.value, delimiter: f.delimiter?.value, decimal: f.decimal?.value, thousands: f.thousands?.value,
  dateFormat: f.dateFormat?.value, grain: f.grain?.value, currency: f.currency?.value,
  columns: Object.fromEntries(Object.entries(f.columns).map(([k, v]) => [k, v.value])),
});

describe('the shapes shops export', () => {
  test('line items with US dates, cancellations and guests', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = join(dir, 'uk.csv');
      writeExport('line-items', path, 5, 120);
      const f = await inspectFile(db, 'orders', path);
      expect(values(f)).toEqual({
        encoding: 'utf-8', delimiter: ',', decimal: '.', thousands: '', dateFormat: '%m/%d/%Y %H:%M', grain: 'line', currency: undefined,
        columns: {
          order_id: 'InvoiceNo', customer_id: 'CustomerID', order_ts: 'InvoiceDate', quantity: 'Quantity', unit_price: 'UnitPrice', product_id: 'StockCode', product_name: 'Description',
          customer_country: 'Country',
        },
      });
      expect(f.grain!.evidence).toMatch(/"InvoiceNo" repeats \([\d,]+ distinct for [\d,]+ lines\)/);
      expect(f.refusals).toEqual([]);
      expect(f.undecided.join(' ')).toContain('no currency column');
      expect(f.undecided.join(' ')).toContain('"Country" says United Kingdom on 100% of lines: are they in GBP? then set currency: GBP');
    }));
  });

  test('a European export: semicolons, decimal commas, thousands points, day-first dates, euros', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = join(dir, 'eu.csv');
      writeExport('european', path, 5, 120);
      expect(values(await inspectFile(db, 'orders', path))).toMatchObject({
        delimiter: ';', decimal: ',', thousands: '.', dateFormat: '%d/%m/%Y %H:%M', grain: 'order', currency: 'EUR',
        columns: { order_id: 'Order No', customer_id: 'Customer No', order_ts: 'Order Date', amount: 'Total', currency: 'Currency', channel: 'Channel' },
      });
    }));
  });

  test("a hosted shop's orders: its own column names, times with their offset", async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = join(dir, 'shop.csv');
      writeExport('shop', path, 5, 120);
      expect(values(await inspectFile(db, 'orders', path))).toMatchObject({
        dateFormat: '%Y-%m-%d %H:%M:%S %z', grain: 'order', currency: 'EUR',
        columns: { order_id: 'Name', customer_id: 'Email', order_ts: 'Created at', amount: 'Total', channel: 'Source' },
      });
    }));
  });

  test('a Latin-1 file, named in French', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = join(dir, 'fr.csv');
      writeExport('latin-1', path, 5, 120);
      const f = await inspectFile(db, 'orders', path);
      expect(values(f)).toMatchObject({ encoding: 'latin-1', dateFormat: undefined, columns: { order_id: 'commande', customer_id: 'client', order_ts: 'date', amount: 'montant', category: 'catégorie' } });
      expect(f.encoding!.evidence).toContain('catégorie');
    }));
  });
});

describe('what the data cannot decide', () => {
  test('dates that read month-first and day-first alike are refused, both readings named', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = writeFile(dir, 'o.csv', 'order_id,customer_id,date,total\n' + Array.from({ length: 40 }, (_, i) => `O${i},C${i % 7},${1 + (i % 12)}/${1 + (i % 11)}/2025,10.00`).join('\n') + '\n');
      const f = await inspectFile(db, 'orders', path);
      expect(f.refusals).toHaveLength(1);
      expect(f.refusals[0]).toMatch(/reads both as %m\/%d\/%Y and as %d\/%m\/%Y .* cannot tell month\/day from day\/month/);
    }));
  });

  test('a file with no column like an order id or an amount is refused, naming its columns', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = writeFile(dir, 'o.csv', 'foo,bar,when\n1,2,2025-01-01\n');
      const f = await inspectFile(db, 'orders', path);
      expect(f.refusals.join(' ')).toContain('order_id');
      expect(f.refusals.join(' ')).toContain('looks like an amount');
    }));
  });

  test('JSON lines and UTF-16 files are read too', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const json = writeFile(dir, 'o.jsonl', '{"order_id": "1", "customer": "a", "created_at": "2025-01-02T10:00:00Z", "total": 12.5}\n{"order_id": "2", "customer": "b", "created_at": "2025-01-03T10:00:00Z", "total": 3}\n');
      expect(values(await inspectFile(db, 'orders', json)).columns).toEqual({ order_id: 'order_id', customer_id: 'customer', order_ts: 'created_at', amount: 'total' });
      const utf16 = writeFile(dir, 'u.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('order_id,customer_id,order_ts,amount\n1,Zoë,2025-01-02,5.00\n', 'utf16le')]));
      expect(values(await inspectFile(db, 'orders', utf16))).toMatchObject({ encoding: 'utf-16', delimiter: ',', columns: { customer_id: 'customer_id' } });
    }));
  });
});
