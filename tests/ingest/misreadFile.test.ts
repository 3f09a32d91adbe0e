import { describe, expect, test } from 'vitest';
import type { Database } from '../../pipeline/db/Database.js';
import { DataError } from '../../pipeline/errors.js';
import { ingestInputs, plainIngestOptions, PLAIN_FORMAT, type IngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { misreadReason } from '../../pipeline/ingest/misreadFile.js';
import { silentLogger } from '../../pipeline/log.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

/** The run's limits as the configuration's defaults set them. */
const LIMITS = { maxRejectedShare: 0.05, maxMisreadAmountShare: 0.01, maxRejectedValueShare: 0.2 };
const options: IngestOptions = { ...plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z')), ...LIMITS };
const lineItems = (o: IngestOptions): IngestOptions => ({ ...o, formats: { ...o.formats, orders: { ...PLAIN_FORMAT, grain: 'line' } } });

/** Ordinary orders of one customer each, 10.00 to 19.90. */
const orders = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `O${from + i},c${from + i},2025-0${1 + (i % 9)}-1${i % 10},${(10 + (i % 100) / 10).toFixed(2)},USD`);

async function stored(db: Database) {
  return {
    orders: await db.value<number>('SELECT count(*) FROM orders'),
    lines: await db.value<number>('SELECT count(*) FROM order_lines'),
    referrals: await db.value<number>('SELECT count(*) FROM referrals'),
    rejected: await db.value<number>(`SELECT count(*) FROM rejected_rows WHERE run_id = 'run-2'`),
  };
}

/** Ingests `text` as the given kind in run-2 (after `before`, run-1, when given); returns the error or the accounting. */
async function ingest(kind: 'orders' | 'referrals', text: string, opts: IngestOptions = options, before?: { kind: 'orders' | 'referrals'; text: string }) {
  return withTempDir((dir) => withDb(async (db) => {
    if (before) await ingestInputs(db, { [before.kind]: [writeFile(dir, 'before.csv', before.text)] }, { ...opts, maxRejectedShare: undefined }, silentLogger);
    const path = writeFile(dir, `${kind}.csv`, text);
    try {
      const [file] = await ingestInputs(db, { [kind]: [path] }, { ...opts, runId: 'run-2' }, silentLogger);
      return { file, error: undefined, stored: await stored(db) };
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      return { file: undefined, error: err.message, stored: await stored(db) };
    }
  }));
}

describe('a file with more than ingest.maxRejectedShare of its lines rejected, at any step, loads nothing and stops', () => {
  test('the first checks: dates that do not read', async () => {
    const lines = [...orders(94), ...Array.from({ length: 6 }, (_, i) => `B${i},b${i},someday,10.00,USD`)];
    const r = await ingest('orders', ['order_id,customer_id,order_ts,amount,currency', ...lines].join('\n') + '\n');
    expect(r.error).toMatch(/6 of its 100 lines \(6\.0%\) were rejected, more than ingest\.maxRejectedShare \(5\.0%\)/);
    expect(r.stored).toMatchObject({ orders: 0, rejected: 6 });
  });

  test('the text pass: lines that cannot be split into the columns', async () => {
    const lines = [...orders(94), ...Array.from({ length: 6 }, (_, i) => `B${i},b${i},2025-01-01,10.00,USD,extra`)];
    const r = await ingest('orders', ['order_id,customer_id,order_ts,amount,currency', ...lines].join('\n') + '\n');
    expect(r.error).toMatch(/6 of its 100 lines \(6\.0%\) were rejected/);
    expect(r.error).toContain('too_many_columns');
    expect(r.stored).toMatchObject({ orders: 0, rejected: 6 });
  });

  test('the check of repeated keys: an order id repeated with other values', async () => {
    const lines = [...orders(94), ...Array.from({ length: 6 }, (_, i) => `O${i},c${i},2025-01-01,99.00,USD`)];
    const r = await ingest('orders', ['order_id,customer_id,order_ts,amount,currency', ...lines].join('\n') + '\n');
    expect(r.error).toMatch(/6 of its 100 lines \(6\.0%\) were rejected/);
    expect(r.error).toContain('order_id_repeated_with_other_values');
    expect(r.stored).toMatchObject({ orders: 0, rejected: 6 });
  });

  test("the merge of line items: a currency filled on each order's first line only (the hosted-shop export of issue 26)", async () => {
    const header = 'order_id,customer_id,order_ts,product_id,quantity,unit_price,currency';
    const lines: string[] = [];
    for (let o = 0; o < 40; o++) {
      // Two orders in three have a second and third line, with the currency left empty.
      const items = o % 3 === 0 ? 1 : 3;
      for (let k = 0; k < items; k++) lines.push(`#${1000 + o},c${o % 17},2025-03-${String(1 + (o % 28)).padStart(2, '0')} 10:00:00,P${k},${1 + k},4.50,${k === 0 ? 'USD' : ''}`);
    }
    const r = await ingest('orders', [header, ...lines].join('\n') + '\n', lineItems(options));
    const rejected = lines.length - 14; // the 26 orders of three lines, whole
    expect(r.error).toMatch(new RegExp(`${rejected} of its ${lines.length} lines \\(\\d+%\\) were rejected, more than ingest\\.maxRejectedShare`));
    expect(r.error).toContain("order_lines_disagree");
    expect(r.error).toContain("has lines of different currencies");
    expect(r.stored).toEqual({ orders: 0, lines: 0, referrals: 0, rejected });
  });

  test('the merge of line items: lines of one order naming different customers', async () => {
    const header = 'order_id,customer_id,order_ts,product_id,quantity,unit_price';
    const lines = Array.from({ length: 50 }, (_, i) => `I${Math.floor(i / 2)},c${i % 2 === 1 && i < 12 ? 'x' : ''}${Math.floor(i / 2)},2025-03-01 10:00:00,P${i % 2},1,3.00`);
    const r = await ingest('orders', [header, ...lines].join('\n') + '\n', lineItems(options));
    expect(r.error).toMatch(/12 of its 50 lines \(24%\) were rejected/);
    expect(r.error).toContain('has lines of different customers');
    expect(r.stored).toMatchObject({ orders: 0, lines: 0, rejected: 12 });
  });

  test('the merge of referrals: customers already referred by someone else', async () => {
    const before = { kind: 'referrals' as const, text: 'referrer_id,referred_id,date\n' + Array.from({ length: 10 }, (_, i) => `r1,c${i},2025-03-01`).join('\n') + '\n' };
    const text = 'referrer_id,referred_id,date\n' + Array.from({ length: 40 }, (_, i) => `r2,c${i},2025-04-01`).join('\n') + '\n';
    const r = await ingest('referrals', text, options, before);
    expect(r.error).toMatch(/10 of its 40 lines \(25%\) were rejected/);
    expect(r.error).toContain('referred_id_has_another_referrer_id');
    expect(r.stored).toMatchObject({ referrals: 10, rejected: 10 });
  });

  test('under the limits a file loads, its few rejected lines recorded', async () => {
    const lines = [...orders(98), 'B0,b0,someday,10.00,USD', 'B1,b1,2025-01-01,"12,50",USD'];
    const r = await ingest('orders', ['order_id,customer_id,order_ts,amount,currency', ...lines].join('\n') + '\n');
    expect(r.error).toBeUndefined();
    expect(r.file).toMatchObject({ rows_read: 100, rows_accepted: 98, rows_rejected: 2 });
  });
});

describe('a stop that weighs what was rejected', () => {
  test("amounts the configuration cannot read stop the file although they are few: '€1.234,50' read without a thousands separator", async () => {
    // The ;-file of issue 26: a decimal comma configured, no thousands separator; four large orders written with one.
    const european: IngestOptions = { ...options, formats: { ...options.formats, orders: { ...PLAIN_FORMAT, delimiter: ';', decimal: ',' } } };
    const lines = [
      ...Array.from({ length: 96 }, (_, i) => `E${i};c${i};2025-02-0${1 + (i % 9)};€${12 + (i % 5)},05;EUR`),
      ...Array.from({ length: 4 }, (_, i) => `L${i};d${i};2025-02-10;€1.234,50;EUR`),
    ];
    const r = await ingest('orders', ['order_id;customer_id;order_ts;amount;currency', ...lines].join('\n') + '\n', { ...european, currency: 'EUR' });
    expect(r.error).toContain("4 of its 100 lines (4.0%) hold amounts written as numbers the configuration cannot read (such as '€1.234,50' at line 98)");
    expect(r.error).toContain("formats.orders reads a decimal ',' and no thousands separator");
    // They are the four largest orders: 4 x 1,234.50 of 4,938.00 + the 96 small ones' 1,347.80 (12.05 to 16.05).
    const small = Array.from({ length: 96 }, (_, i) => 12.05 + (i % 5)).reduce((a, b) => a + b, 0);
    const share = (4 * 1234.5) / (4 * 1234.5 + small);
    expect(r.error).toContain(`hold ${(100 * share).toFixed(0)}% of the file's value`);
    expect(r.stored).toMatchObject({ orders: 0, rejected: 4 });
  });

  test('rejected lines holding a large share of the value stop the file under the line-share limit', async () => {
    const lines = [...orders(97), ...Array.from({ length: 3 }, (_, i) => `W${i},w${i},someday,${800 + i}.00,USD`)];
    const r = await ingest('orders', ['order_id,customer_id,order_ts,amount,currency', ...lines].join('\n') + '\n');
    const accepted = orders(97).reduce((s, l) => s + Number(l.split(',')[3]), 0);
    const share = 2403 / (2403 + accepted);
    expect(share).toBeGreaterThan(0.2);
    expect(r.error).toContain(`its 3 rejected lines hold ${(100 * share).toFixed(0)}% of the file's value`);
    expect(r.error).not.toContain('maxRejectedShare');
    expect(r.stored).toMatchObject({ orders: 0, rejected: 3 });
  });

  test("a key repeated with another value is not lost value: its first line is kept", async () => {
    const lines = [...orders(99), 'O0,c0,2025-01-01,99999.99,USD'];
    const r = await ingest('orders', ['order_id,customer_id,order_ts,amount,currency', ...lines].join('\n') + '\n');
    expect(r.error).toBeUndefined();
    expect(r.file).toMatchObject({ rows_read: 100, rows_accepted: 99, rows_rejected: 1 });
  });

  test('the weights in words: each limit passed is said, none when under them', () => {
    const w = { rowsRead: 1000, rejected: 30, misreadAmounts: 20, misreadExample: { line: 7, value: '$1,234.50' }, valueShare: 0.1 };
    expect(misreadReason(w, LIMITS, 'orders', { decimal: ',', thousands: '.', dateFormats: [] })).toBe(
      "20 of its 1,000 lines (2.0%) hold amounts written as numbers the configuration cannot read (such as '$1,234.50' at line 7), more than ingest.maxMisreadAmountShare (1.0%): formats.orders reads a decimal ',' and thousands '.'",
    );
    expect(misreadReason({ ...w, misreadAmounts: 5 }, LIMITS, 'orders', { decimal: '.', thousands: '', dateFormats: [] })).toBeUndefined();
    // Past the line share, the value is not said again; the amounts that do not read are, with the separators configured.
    expect(misreadReason({ ...w, misreadAmounts: 0, rejected: 60, valueShare: 0.5 }, LIMITS, 'orders', { decimal: '.', thousands: '', dateFormats: [] }))
      .toBe('60 of its 1,000 lines (6.0%) were rejected, more than ingest.maxRejectedShare (5.0%)');
    expect(misreadReason({ ...w, rejected: 60, valueShare: 0.5 }, LIMITS, 'orders', { decimal: '.', thousands: '', dateFormats: [] }))
      .toBe("60 of its 1,000 lines (6.0%) were rejected, more than ingest.maxRejectedShare (5.0%); and 20 of its 1,000 lines (2.0%) hold amounts written as numbers the configuration cannot read (such as '$1,234.50' at line 7), more than ingest.maxMisreadAmountShare (1.0%): formats.orders reads a decimal '.' and no thousands separator");
    expect(misreadReason({ ...w, misreadAmounts: 0, valueShare: 0.5 }, LIMITS, 'orders', { decimal: '.', thousands: '', dateFormats: [] }))
      .toBe("its 30 rejected lines hold 50% of the file's value (its amounts read as well as they can be), more than ingest.maxRejectedValueShare (20%)");
  });
});
