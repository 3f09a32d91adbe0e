import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { writeExport } from '../../pipeline/demo/exportShapes.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/withDb.js';

/** A small seeded generator (mulberry32), the fixture's own. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), chance: (p: number) => next() < p };
}

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/**
 * A gift retailer's raw line-item export: invoices of several lines, the same
 * item scanned twice in one invoice now and then (the line repeated exactly),
 * guests without a CustomerID, several invoices a day, cancellations as
 * C-prefixed invoices with negative quantities, descriptions with commas,
 * US dates `M/D/YYYY H:MM`; December 2010 to November 2011, a strong fourth quarter.
 */
function giftRetailer(customers: number, seed: number): { text: string; repeated: number } {
  const rng = random(seed);
  const products = Array.from({ length: 80 }, (_, i) => ({
    code: `${22000 + i * 13}${i % 4 === 0 ? 'A' : ''}`,
    name: i % 5 === 0 ? `"HEART T-LIGHT HOLDER, ${['RED', 'WHITE'][i % 2]}"` : `${['LANTERN', 'MUG', 'BAG', 'CANDLE'][i % 4]} ${i}`,
    price: (25 + rng.int(1200)) / 100,
  }));
  const lines: string[] = [HEADER];
  let invoice = 536365;
  let repeated = 0;
  const stamp = (d: Date) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const row = (id: string, p: (typeof products)[number], q: number, at: Date, customer: string) =>
    [id, p.code, p.name, String(q), stamp(at), p.price.toFixed(2), customer, 'United Kingdom'].join(',');
  const start = Date.UTC(2010, 11, 1, 8);
  const events: { at: number; customer: number }[] = [];
  for (let c = 0; c < customers; c++) {
    for (let k = 1 + rng.int(8); k > 0; k--) {
      const day = rng.int(365);
      const month = new Date(start + day * 86_400_000).getUTCMonth();
      // A stronger fourth quarter: a second visit now and then in October to December.
      const times = month >= 9 && rng.chance(0.5) ? 2 : 1;
      for (let t = 0; t < times; t++) events.push({ at: start + day * 86_400_000 + rng.int(9 * 60) * 60_000 + t * 7 * 86_400_000, customer: c });
    }
  }
  events.sort((a, b) => a.at - b.at || a.customer - b.customer);
  for (const e of events) {
    if (e.at >= Date.UTC(2011, 11, 1)) continue;
    const at = new Date(e.at);
    const customer = rng.chance(0.15) ? '' : String(12346 + e.customer);
    const basket = new Map<string, { p: (typeof products)[number]; q: number }>();
    for (let k = 1 + rng.int(8); k > 0; k--) {
      const p = products[rng.int(products.length)]!;
      basket.set(p.code, { p, q: 1 + rng.int(rng.chance(0.1) ? 48 : 12) });
    }
    const items = [...basket.values()];
    const id = String(invoice++);
    for (const { p, q } of items) lines.push(row(id, p, q, at, customer));
    // The same item scanned again in the invoice: its line repeated exactly, a second sale.
    if (rng.chance(0.12)) {
      const { p, q } = items[rng.int(items.length)]!;
      lines.push(row(id, p, q, at, customer));
      repeated++;
    }
    // A second invoice on the same day, an hour later.
    if (rng.chance(0.2)) for (const { p, q } of items.slice(0, 2)) lines.push(row(String(invoice++), p, q, new Date(e.at + 3_600_000), customer));
    // A cancellation some days later, of the first item.
    if (customer && rng.chance(0.08)) {
      const back = new Date(e.at + (1 + rng.int(10)) * 86_400_000);
      if (back.getTime() < Date.UTC(2011, 11, 1)) lines.push(row(`C${invoice++}`, items[0]!.p, -items[0]!.q, back, customer));
    }
  }
  return { text: lines.join('\n') + '\n', repeated };
}

/** The export's own revenue per month in cents: every data line's quantity x unit price, read from its text. */
function ledger(text: string): Record<string, number> {
  const months: Record<string, number> = {};
  for (const line of text.trim().split('\n').slice(1)) {
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        fields.push(field);
        field = '';
      } else field += ch;
    }
    fields.push(field);
    const [, , , quantity, date, price] = fields;
    const [m, , y] = date!.split(' ')[0]!.split('/');
    const key = `${y}-${m!.padStart(2, '0')}`;
    const [whole, cents = ''] = price!.split('.');
    months[key] = (months[key] ?? 0) + Number(quantity) * (Number(whole) * 100 + Number(cents.padEnd(2, '0')));
  }
  return Object.fromEntries(Object.entries(months).filter(([, v]) => v !== 0));
}

/** The published monthly revenue in cents. */
function published(out: string): Record<string, number> {
  const [header, ...rows] = readFileSync(join(out, 'kpis_monthly.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const at = header!.indexOf('revenue');
  return Object.fromEntries(rows.map((r) => [r[0]!.slice(0, 7), Math.round(Number(r[at]) * 100)]).filter(([, v]) => v !== 0));
}

async function stored(path: string) {
  const db = await Database.open(path, { readOnly: true });
  try {
    return await db.one<Record<string, unknown>>(`SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_lines) AS lines,
      (SELECT CAST(sum(amount) AS VARCHAR) FROM orders) AS revenue, (SELECT list(outcome ORDER BY started_at) FROM runs) AS runs`);
  } finally {
    db.close();
  }
}

describe("revenue reconciles to the ledger: a gift retailer's raw export", () => {
  test('from inspect to publication, monthly revenue is the file\'s quantity x unit price to the cent, repeated lines included; ingesting it again changes nothing; a misread file then stops and the publication stays', async () => {
    await withTempDir(async (dir) => {
      const { text, repeated } = giftRetailer(160, 7);
      const lines = text.trim().split('\n').length - 1;
      expect(repeated).toBeGreaterThan(20);
      const orders = join(dir, 'online-retail.csv');
      writeFileSync(orders, text);
      const inspected = await runCli(['inspect', '--orders', orders]);
      expect(inspected.code).toBe(0);
      expect(inspected.stdout).toContain(`${repeated} lines repeat an earlier line exactly: in line items each is an item of its order`);
      const config = join(dir, 'retail.yaml');
      writeFileSync(config, inspected.stdout);
      const db = join(dir, 'f.duckdb');
      const out = join(dir, 'out');
      const args = ['run', '--config', config, '--db', db, '--out', out, '--models', join(dir, 'models')];

      const first = await runCli(args);
      expect(first.errors).toBe('');
      expect(first.code).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'run_manifest.json'), 'utf8'));
      expect(manifest.inputs[0]).toMatchObject({ grain: 'line', rows_read: lines, rows_accepted: lines, rows_rejected: 0, rows_duplicate: 0 });
      const expected = ledger(text);
      expect(Object.keys(expected)).toHaveLength(12);
      expect(published(out)).toEqual(expected);
      const once = await stored(db);
      expect(once).toMatchObject({ lines });

      // The same file again, read on purpose: every order a repeat of the stored one, nothing added, the same revenue.
      const again = await runCli([...args, '--reingest']);
      expect(again.code).toBe(0);
      const second = JSON.parse(readFileSync(join(out, 'run_manifest.json'), 'utf8'));
      expect(second.inputs[0]).toMatchObject({ rows_read: lines, rows_accepted: 0, rows_new: 0, rows_updated: 0, rows_duplicate: lines, orders_new: 0 });
      expect(published(out)).toEqual(expected);
      const twice = await stored(db);
      expect({ ...twice, runs: undefined }).toEqual({ ...once, runs: undefined });

      // Issue 26, §0: a line-item export whose currency is filled on each order's first line only. inspect maps the column;
      // the run rejects the orders of several lines at the merge, and so stops: exit 1, nothing published, the publication kept.
      const before = { kpis: readFileSync(join(out, 'kpis_monthly.csv'), 'utf8'), manifest: readFileSync(join(out, 'run_manifest.json'), 'utf8') };
      const withCurrency = text.trim().split('\n').map((l, i, all) => {
        if (i === 0) return `${l},Currency`;
        const first = all[i - 1]!.split(',')[0] !== l.split(',')[0];
        return `${l.replace(/^(\d+)/, '9$1').replace(/^C(\d+)/, 'C9$1')},${first ? 'USD' : ''}`;
      }).join('\n') + '\n';
      const hosted = join(dir, 'hosted.csv');
      writeFileSync(hosted, withCurrency);
      const hostedInspect = await runCli(['inspect', '--orders', hosted]);
      expect(hostedInspect.code).toBe(0);
      expect(hostedInspect.stdout).toMatch(/currency: "Currency"/);
      const hostedConfig = join(dir, 'hosted.yaml');
      writeFileSync(hostedConfig, hostedInspect.stdout);
      const misread = await runCli(['run', '--config', hostedConfig, '--db', db, '--out', out, '--models', join(dir, 'models')]);
      expect(misread.code).toBe(1);
      expect(misread.errors).toMatch(/orders file .*hosted\.csv: [\d,]+ of its [\d,]+ lines \(\d+%\) were rejected, more than ingest\.maxRejectedShare \(5\.0%\)/);
      expect(misread.errors).toContain("has lines of different currencies");
      expect(misread.errors).toContain('the file was probably misread, and nothing of it was loaded or published');
      expect(readFileSync(join(out, 'kpis_monthly.csv'), 'utf8')).toBe(before.kpis);
      expect(readFileSync(join(out, 'run_manifest.json'), 'utf8')).toBe(before.manifest);
      const after = await stored(db);
      expect({ ...after, runs: undefined }).toEqual({ ...once, runs: undefined });
      expect(after!.runs).toEqual(['succeeded', 'succeeded', 'failed']);
    });
  }, 300_000);
});

describe('settings that would publish wrong numbers are refused before anything is read, exit 2', () => {
  test('a rates file with a repeated currency or a rate for the run\'s own currency; two contract columns mapped to one file column', async () => {
    await withTempDir(async (dir) => {
      const orders = join(dir, 'o.csv');
      writeFileSync(orders, 'order_id,customer_id,order_ts,amount,currency\nQ1,c1,2025-01-01,100.00,EUR\nQ2,c2,2025-01-02,50.00,USD\n');
      const run = async (config: object) => {
        const path = join(dir, 'c.json');
        writeFileSync(path, JSON.stringify(config));
        return runCli(['run', '--orders', orders, '--config', path, '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models')]);
      };
      const rates = join(dir, 'rates.csv');
      writeFileSync(rates, 'currency,rate\nEUR,1.1\nEUR,2.0\n');
      const twice = await run({ exchangeRates: rates });
      expect(twice.code).toBe(2);
      expect(twice.errors).toContain('line 2: EUR is listed 2 times (lines 2, 3)');
      writeFileSync(rates, 'currency,rate\nEUR,1.1\nUSD,3\n');
      const own = await run({ exchangeRates: rates });
      expect(own.code).toBe(2);
      expect(own.errors).toContain("line 3: USD is the run's own currency, given the rate 3");
      const mapped = await run({ columns: { orders: { customer_id: 'order_id' } } });
      expect(mapped.code).toBe(2);
      expect(mapped.errors).toContain('order_id and customer_id would both be read from the file\'s column "order_id"');
      expect(existsSync(join(dir, 'out'))).toBe(false);
    });
  }, 60_000);
});

describe('amounts with a currency sign, from inspect to publication', () => {
  test("the European export with '€' before each amount: thousands points read, monthly revenue the file's own sum to the cent", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'eu.csv');
      writeExport('european', path, 4, 150);
      const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
      const signed = rows.map((r) => r.split(';').map((v, i) => (i === 3 ? `€${v}` : v)).join(';'));
      writeFileSync(path, [header, ...signed].join('\n') + '\n');
      // The file's own sum, read from its text: €1.234,56 is 123,456 cents; the month of dd/mm/yyyy.
      const expected: Record<string, number> = {};
      for (const r of signed) {
        const f = r.split(';');
        const [, m, y] = f[2]!.split(' ')[0]!.split('/');
        const cents = Number(f[3]!.replace('€', '').replaceAll('.', '').replace(',', ''));
        expected[`${y}-${m}`] = (expected[`${y}-${m}`] ?? 0) + cents;
      }
      expect(signed.some((r) => /€\d{1,3}\.\d{3},\d\d/.test(r))).toBe(true);
      const inspected = await runCli(['inspect', '--orders', path]);
      expect(inspected.code).toBe(0);
      expect(inspected.stdout).toMatch(/decimal: ","/);
      expect(inspected.stdout).toMatch(/thousands: "\."/);
      const config = join(dir, 'eu.yaml');
      writeFileSync(config, inspected.stdout);
      const run = await runCli(['run', '--config', config, '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models')]);
      expect(run.errors).toBe('');
      expect(run.code).toBe(0);
      const manifest = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
      expect(manifest.inputs[0]).toMatchObject({ rows_read: signed.length, rows_rejected: 0 });
      expect(published(join(dir, 'out'))).toEqual(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== 0)));
    });
  }, 120_000);
});
