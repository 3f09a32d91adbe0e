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

describe('separators guessed from every sampled value, with or without a currency sign', () => {
  const header = 'order_id;customer_id;order_ts;amount';
  const file = (dir: string, name: string, amounts: string[], delimiter = ';') =>
    writeFile(dir, name, [header.replaceAll(';', delimiter), ...amounts.map((a, i) => [`O${i}`, `c${i % 7}`, `2025-03-${String(1 + (i % 28)).padStart(2, '0')}`, a].join(delimiter))].join('\n') + '\n');

  test("a ';' file of '€12,05' and four '€1.234,50' (issue 26): decimal comma, thousands point, every value read", async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const amounts = [...Array.from({ length: 96 }, (_, i) => `€${12 + (i % 9)},05`), '€1.234,50', '€1.234,50', '€1.234,50', '€1.234,50'];
      const f = await inspectFile(db, 'orders', file(dir, 'eu.csv', amounts));
      expect(f.refusals).toEqual([]);
      expect([f.columns.amount?.value, f.decimal?.value, f.thousands?.value]).toEqual(['amount', ',', '.']);
      expect(f.thousands!.evidence).toBe('4 values group their thousands with "."');
      expect(f.decimal!.evidence).toContain('they read all 100 sampled values');
    }));
  });

  test("a few lines only, every amount with its sign: mapped, not refused, since run reads them", async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const eu = await inspectFile(db, 'orders', file(dir, 'few-eu.csv', ['€12,05', '€1.234,50', '€1.234,50', '€1.234,50', '€1.234,50']));
      expect(eu.refusals).toEqual([]);
      expect([eu.columns.amount?.value, eu.decimal?.value, eu.thousands?.value]).toEqual(['amount', ',', '.']);
      const us = await inspectFile(db, 'orders', file(dir, 'few-us.csv', ['"$1,234.50"', '$12.05', '$7.00'], ','));
      expect(us.refusals).toEqual([]);
      expect([us.columns.amount?.value, us.decimal?.value, us.thousands?.value]).toEqual(['amount', '.', ',']);
      expect(us.decimal!.evidence).toContain('they read all 3 sampled values');
    }));
  });

  test('when the telling values mislead, the separators that read the most sampled values are taken, and said', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      // A decimal comma, and thousands grouped with an apostrophe, which the telling values do not show: 1'234,50 would be left unread.
      const f = await inspectFile(db, 'orders', file(dir, 'swiss.csv', ["1'234,50", "2'500,00", '12,05', '7,10', '8,15']));
      expect([f.decimal?.value, f.thousands?.value]).toEqual([',', "'"]);
      expect(f.decimal!.evidence).toBe(`decimal "," and thousands "'": they read all 5 sampled values, the separators that read the most values (decimal ",", thousands none read fewer)`);
      // Separators that leave a value unread whatever they are say which value.
      const odd = await inspectFile(db, 'orders', file(dir, 'odd.csv', [...Array.from({ length: 9 }, (_, i) => `${i + 3},05`), 'n/a']));
      expect(odd.decimal!.evidence).toContain("they read 9 of 10 sampled values (not, for one: 'n/a')");
    }));
  });
});

describe('repeated lines', () => {
  test('inspect says how many lines repeat another exactly, and that in line items they count', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
      const line = (inv: number, code: string, q: number) => `${inv},${code},MUG,${q},12/1/2010 8:26,2.55,17850,United Kingdom`;
      // 536365 scans 85123A twice and 71053 three times: three repeated lines; 536366 none.
      const lines = [line(536365, '85123A', 6), line(536365, '85123A', 6), line(536365, '71053', 1), line(536365, '71053', 1), line(536365, '71053', 1), line(536366, '85123A', 2), line(536366, '22633', 6)];
      const f = await inspectFile(db, 'orders', writeFile(dir, 'gift.csv', [header, ...lines].join('\n') + '\n'));
      expect(f.grain?.value).toBe('line');
      expect(f.undecided).toContain('3 lines repeat an earlier line exactly: in line items each is an item of its order (the same product scanned twice is two sales) and counts; the same order sent again in a later file replaces it, it is not added twice');
      const orders = await inspectFile(db, 'orders', writeFile(dir, 'orders.csv', 'order_id,customer_id,order_ts,amount\n1,c1,2025-01-01,5.00\n1,c1,2025-01-01,5.00\n2,c2,2025-01-02,7.00\n'));
      expect(orders.undecided).toContain('1 line repeats an earlier line exactly: one line per order, so each is a duplicate of its order and loaded once');
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

  test("a yes/no column is mapped when its values are the words run reads (any case, spaced), not when they are other words", async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const words = ['true', 'T', ' Yes ', 'y', '1', 'FALSE', 'f', 'No', 'N', '0'];
      const file = (name: string, discount: (i: number) => string) => writeFile(dir, name, `order_id,customer_id,order_ts,amount,discount_used\n${
        Array.from({ length: 40 }, (_, i) => `${i + 1},c${i % 7},2025-01-${String((i % 28) + 1).padStart(2, '0')},5.00,${discount(i)}`).join('\n')}\n`);
      expect(values(await inspectFile(db, 'orders', file('yes.csv', (i) => words[i % words.length]!))).columns.discount_used).toBe('discount_used');
      expect(values(await inspectFile(db, 'orders', file('maybe.csv', (i) => (i % 2 ? 'maybe' : 'yes')))).columns.discount_used).toBeUndefined();
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
