import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { Database, literal } from '../../pipeline/db/Database.js';
import { packageRoot } from '../../pipeline/db/sqlFile.js';
import { EXPORT_SHAPES, writeExport, type ExportShape } from '../../pipeline/demo/exportShapes.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/withDb.js';

/** The published monthly KPIs as cents per month. */
function monthly(out: string, column: 'revenue' | 'guest_revenue'): Record<string, number> {
  const [header, ...rows] = readFileSync(join(out, 'kpis_monthly.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const at = header!.indexOf(column);
  return Object.fromEntries(rows.map((r) => [r[0]!.slice(0, 7), Math.round(Number(r[at]) * 100)]).filter(([, v]) => v !== 0));
}

/** inspect, then run with the configuration it printed, unchanged: the run's folders come as flags. */
async function inspectAndRun(dir: string, shape: ExportShape) {
  const path = join(dir, `${shape}.csv`);
  const truth = writeExport(shape, path, 11, 250);
  const inspected = await runCli(['inspect', '--orders', path]);
  expect(inspected.errors, shape).toBe('');
  const config = join(dir, `${shape}.yaml`);
  writeFileSync(config, inspected.stdout);
  const run = await runCli(['run', '--config', config, '--db', join(dir, shape, 'f.duckdb'), '--out', join(dir, shape, 'out'), '--models', join(dir, shape, 'models')]);
  return { truth, run, config, out: join(dir, shape, 'out') };
}

describe('a real shop export, from fidelio inspect to published scores', () => {
  test.each(EXPORT_SHAPES)('%s: the printed configuration runs as it is; every line is accounted for; monthly revenue is the file\'s own sum to the cent', async (shape) => {
    await withTempDir(async (dir) => {
      const { truth, run, out } = await inspectAndRun(dir, shape);
      expect(run.errors).toBe('');
      expect(run.code).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'run_manifest.json'), 'utf8'));
      const file = manifest.inputs[0];
      expect(file.rows_read).toBe(truth.lines);
      expect(file.rows_read).toBe(file.rows_accepted + file.rows_rejected + file.rows_duplicate);
      expect(file.rows_rejected).toBe(0);
      expect(file.rows_duplicate).toBe(truth.duplicates);
      expect(monthly(out, 'revenue')).toEqual(truth.monthlyCents);
      expect(monthly(out, 'guest_revenue')).toEqual(Object.fromEntries(Object.entries(truth.guestCents).filter(([, v]) => v !== 0)));
      // Every customer with a purchase is scored once; guests are not.
      const scores = readFileSync(join(out, 'customer_scores.csv'), 'utf8').trim().split('\n');
      expect(scores.length - 1).toBe(truth.customers);
      expect(scores.slice(1).every((l) => !l.startsWith(','))).toBe(true);
      // The currency is named in the manifest and in the tables.
      const currency = shape === 'european' || shape === 'shop' ? 'EUR' : 'USD';
      expect(manifest.currency).toBe(currency);
      const reader = await Database.open(':memory:');
      try {
        expect(await reader.all(`SELECT DISTINCT currency FROM read_parquet(${literal(join(out, 'customer_scores.parquet'))})`)).toEqual([{ currency }]);
      } finally {
        reader.close();
      }
    });
  }, 120_000);
});

describe('a real grocery line-item export (Complete Journey, tests/fixtures/completejourney)', () => {
  test('inspect maps baskets, households and sales values; the run accounts for every line and its revenue is the file\'s own sum to the cent', async () => {
    await withTempDir(async (dir) => {
      const path = join(packageRoot, 'tests', 'fixtures', 'completejourney', 'transactions_head.csv');
      const inspected = await runCli(['inspect', '--orders', path]);
      expect(inspected.errors).toBe('');
      const config = parse(inspected.stdout);
      expect(config.formats.orders.grain).toBe('line');
      expect(config.columns.orders).toMatchObject({ order_id: 'basket_id', customer_id: 'household_id', order_ts: 'transaction_timestamp', amount: 'sales_value' });
      writeFileSync(join(dir, 'cj.yaml'), inspected.stdout);
      const run = await runCli(['run', '--config', join(dir, 'cj.yaml'), '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'm')]);
      expect(run.errors).toBe('');
      expect(run.code).toBe(0);
      // The independent sum: each line's sales_value in cents, by the month of its timestamp.
      const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
      const value = header!.indexOf('sales_value');
      const stamp = header!.indexOf('transaction_timestamp');
      const cents: Record<string, number> = {};
      for (const l of lines) cents[l[stamp]!.slice(0, 7)] = (cents[l[stamp]!.slice(0, 7)] ?? 0) + Math.round(Number(l[value]) * 100);
      expect(monthly(join(dir, 'out'), 'revenue')).toEqual(Object.fromEntries(Object.entries(cents).filter(([, v]) => v !== 0)));
      const file = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8')).inputs[0];
      expect(file).toMatchObject({ rows_read: lines.length, rows_accepted: lines.length, rows_rejected: 0, rows_duplicate: 0, grain: 'line' });
      expect(file.orders_new).toBe(new Set(lines.map((l) => l[header!.indexOf('basket_id')])).size);
    });
  }, 120_000);
});

describe('a misread file never publishes', () => {
  test('line items mapped as orders, or dates read day-first that are month-first: stopped before publishing, naming the reason classes', async () => {
    await withTempDir(async (dir) => {
      const { config } = await inspectAndRun(dir, 'line-items');
      const good = parse(readFileSync(config, 'utf8'));
      const run = async (name: string, change: (c: typeof good) => void) => {
        const c = structuredClone(good);
        change(c);
        const path = join(dir, `${name}.yaml`);
        writeFileSync(path, stringify(c));
        return { ...(await runCli(['run', '--config', path, '--db', join(dir, name, 'f.duckdb'), '--out', join(dir, name, 'out'), '--models', join(dir, name, 'm')])), out: join(dir, name, 'out') };
      };
      const asOrders = await run('as-orders', (c) => {
        c.formats.orders.grain = 'order';
        // UnitPrice read as the amount (a column is read as one contract column only: unit_price no longer maps it).
        c.columns.orders.amount = 'UnitPrice';
        delete c.columns.orders.unit_price;
      });
      expect(asOrders.code).toBe(1);
      expect(asOrders.errors).toMatch(/lines \(\d+%\) were rejected, more than ingest.maxRejectedShare \(5.0%\): the file was probably misread/);
      expect(asOrders.errors).toContain('order_id_repeated_with_other_values');
      expect(asOrders.errors).toContain('set formats.orders.grain: line');
      expect(existsSync(asOrders.out)).toBe(false);
      const dayFirst = await run('day-first', (c) => {
        c.formats.orders.dateFormat = '%d/%m/%Y %H:%M';
      });
      expect(dayFirst.code).toBe(1);
      expect(dayFirst.errors).toContain('order_ts_not_a_date');
      expect(dayFirst.errors).toContain('(it reads as %m/%d/%Y %H:%M: set formats.orders.dateFormat)');
      expect(existsSync(dayFirst.out)).toBe(false);
      // The rejected lines can be listed by class.
      const listed = JSON.parse((await runCli(['rejected', '--db', join(dir, 'day-first', 'f.duckdb'), '--class', 'order_ts_not_a_date', '--top', '3', '--format', 'json'])).stdout);
      expect(listed).toHaveLength(3);
    });
  }, 120_000);

  test('a file in one other currency stops before loading with the fix; a run with no usable row names its main reasons', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'eu.csv');
      writeExport('european', path, 2, 80);
      const inspected = await runCli(['inspect', '--orders', path]);
      const config = join(dir, 'eu.yaml');
      writeFileSync(config, inspected.stdout.replace(/^currency: .*$/m, ''));
      const stopped = await runCli(['run', '--config', config, '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out')]);
      expect(stopped.code).toBe(2);
      expect(stopped.errors).toContain('holds amounts in EUR only, not USD: run with --currency EUR');
      expect(await (await import('../../pipeline/db/Database.js')).Database.open(join(dir, 'f.duckdb'), { readOnly: true }).then(async (db) => {
        const n = await db.value('SELECT count(*) FROM orders');
        db.close();
        return n;
      })).toBe(0);
      const flagged = await runCli(['run', '--config', config, '--currency', 'eur', '--db', join(dir, 'g.duckdb'), '--out', join(dir, 'out2'), '--models', join(dir, 'm2')]);
      expect(flagged.code).toBe(0);
      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, 'order_id,customer_id,order_ts,amount\n' + Array.from({ length: 30 }, (_, i) => `${i},c${i},someday,1.00`).join('\n') + '\n');
      const none = await runCli(['run', '--orders', bad, '--db', join(dir, 'h.duckdb'), '--out', join(dir, 'out3'), '--config', writeConfig(dir)]);
      expect(none.code).toBe(1);
      expect(none.errors).toContain('no usable orders');
      expect(none.errors).toContain('order_ts_not_a_date 30 lines');
    });
  }, 120_000);
});

/** A configuration that lets every row of a small bad file be rejected without the misread-file stop stopping first. */
function writeConfig(dir: string): string {
  const path = join(dir, 'lenient.json');
  writeFileSync(path, JSON.stringify({ ingest: { maxRejectedShare: 1, maxMisreadAmountShare: 1, maxRejectedValueShare: 1 } }));
  return path;
}
