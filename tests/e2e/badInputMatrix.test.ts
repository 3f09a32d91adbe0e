import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/**
 * The bad input matrix: each input ends in a clear message and exit code 1
 * or 2, or in rejected rows with exit 0, never in a stack trace or a
 * half-written output.
 */
const HEADER = 'order_id,customer_id,order_ts,amount,currency,category,channel,discount_used';
let goodLines: string[] = [];

beforeAll(async () => {
  await withTempDir(async (dir) => {
    const demo = generateDemoData(dir, { customers: 300, seed: 5, months: 24 });
    goodLines = readFileSync(demo.orders, 'utf8').trim().split('\n').slice(1);
  });
});

/** Runs fidelio on an orders file with `content`, in a fresh folder, small and without networks. */
async function runOn(content: string | Buffer, extra: string[] = [], config: object = {}) {
  return withTempDir(async (dir) => {
    const orders = writeFile(dir, 'orders.csv', content);
    const cfg = writeFile(dir, 'config.json', JSON.stringify({ neural: false, scoring: { intervalDraws: 0 }, ...config }));
    const out = join(dir, 'out');
    const result = await runCli(['run', '--orders', orders, '--db', join(dir, 'f.duckdb'), '--out', out, '--models', join(dir, 'm'), '--config', cfg, ...extra]);
    const manifestPath = join(out, 'run_manifest.json');
    const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { rejected_by_reason: { reason: string; lines: number }[] }) : undefined;
    return { ...result, manifest };
  });
}


describe('inputs that cannot be read as the contract\'s input: exit 2', () => {
  test('an empty file', async () => {
    const r = await runOn('');
    expect(r.code).toBe(2);
    expect(r.errors).toMatch(/orders\.csv has no header line/);
  });
  test('a wrong delimiter', async () => {
    const r = await runOn(`${HEADER.replaceAll(',', ';')}\n${goodLines[0]!.replaceAll(',', ';')}\n`);
    expect(r.code).toBe(2);
    expect(r.errors).toContain('The header looks ";"-delimited: set formats.orders.delimiter (or csv.delimiter) in the config.');
    expect(r.errors).toContain('fidelio inspect --orders');
  });
  test('a required column missing', async () => {
    const r = await runOn(`order_id,customer_id,order_ts\n1,c1,2025-01-01\n`);
    expect(r.code).toBe(2);
    expect(r.errors).toContain('lacks required column(s) "amount"');
  });
  test('a config with unknown keys and out-of-range values, all listed at once', async () => {
    const r = await runOn(`${HEADER}\n${goodLines.join('\n')}\n`, [], { horizonDays: 1000, colour: 'red', scoring: { mediumRisk: 2 } });
    expect(r.code).toBe(2);
    expect(r.errors).toContain('horizonDays: Too big');
    expect(r.errors).toContain('unknown key(s) "colour"');
    expect(r.errors).toContain('scoring.mediumRisk: Too big');
  });
});

describe('data that leaves nothing to score: exit 1 with what to do', () => {
  test('a header-only file', async () => {
    const r = await runOn(`${HEADER}\n`);
    expect(r.code).toBe(1);
    expect(r.errors).toContain('no usable orders');
  });
  test('a column of the wrong type throughout', async () => {
    const r = await runOn(`${HEADER}\n${goodLines.map((l) => l.split(',').map((v, i) => (i === 3 ? 'n/a' : v)).join(',')).join('\n')}\n`);
    // More than ingest.maxRejectedShare of the file rejected: a misread, so nothing of it is loaded, and the
    // message names the reason with its first line and the commands that help.
    expect(r.code).toBe(1);
    expect(r.errors).toMatch(/of its [\d,]+ lines \(100%\) were rejected, more than ingest\.maxRejectedShare \(5\.0%\)/);
    expect(r.errors).toContain("amount_not_a_number");
    expect(r.errors).toContain("amount 'n/a' is not a number");
    expect(r.errors).toContain('fidelio rejected --run');
  });
  test('every customer filtered out by --as-of', async () => {
    const r = await runOn(`${HEADER}\n${goodLines.join('\n')}\n`, ['--as-of', '2000-01-01']);
    expect(r.code).toBe(1);
    expect(r.errors).toMatch(/no customer has an order on or before --as-of 2000-01-01; the first order is dated \d{4}-\d{2}-\d{2}/);
  });
  test('a foreign file as --db: exit 2, nothing run, the file untouched (a CSV too, which DuckDB would open as a view in memory)', async () => {
    await withTempDir(async (dir) => {
      const orders = writeFile(dir, 'o.csv', `${HEADER}\n${goodLines.join('\n')}\n`);
      for (const [name, bytes] of [['f.duckdb', Buffer.alloc(8192, 7)], ['scores.csv', Buffer.from('customer_id,score\nC1,0.5\n')]] as const) {
        const db = writeFile(dir, name, bytes);
        const r = await runCli(['run', '--orders', orders, '--db', db, '--out', join(dir, 'out')]);
        expect(r.code, name).toBe(2);
        expect(r.errors).toContain(`cannot open ${db} as a DuckDB database: the file exists and is not one`);
        expect(readFileSync(db).equals(Buffer.from(bytes)), name).toBe(true);
        expect(existsSync(join(dir, 'out')), name).toBe(false);
        const runs = await runCli(['runs', '--db', db]);
        expect(runs.code, name).toBe(2);
      }
    });
  });
  test('an output folder that cannot be made: exit 2, naming why', async () => {
    await withTempDir(async (dir) => {
      const file = writeFile(dir, 'plain-file', 'x');
      const orders = writeFile(dir, 'o.csv', `${HEADER}\n${goodLines.join('\n')}\n`);
      const r = await runCli(['run', '--orders', orders, '--db', join(dir, 'f.duckdb'), '--out', join(file, 'out')]);
      expect(r.code).toBe(2);
      expect(r.errors).toMatch(/^cannot use \S*plain-file\S*: a part of the path is a file, not a folder \(ENOTDIR\); check the path, or point --db and --out at folders this user can write\. The previous publication is intact\.$/);
    });
  });
});

describe('bad rows are rejected with their reason and the run goes on: exit 0', () => {
  const badRows = async (lines: (string | Buffer)[], reason: RegExp) => {
    const body = Buffer.concat([Buffer.from(`${HEADER}\n${goodLines.join('\n')}\n`), ...lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))]);
    const r = await runOn(body);
    expect(r.code).toBe(0);
    const reasons = r.manifest!.rejected_by_reason;
    expect(reasons.reduce((s, x) => s + x.lines, 0)).toBe(lines.length);
    for (const x of reasons) expect(x.reason).toMatch(reason);
  };
  test('mixed date formats', () => badRows(['X1,C001,01/02/2025,10.00,USD,books,web,false', 'X2,C001,2025.02.01,10.00,USD,books,web,false'], /is not an ISO 8601 date or timestamp/));
  test('non-UTF-8 bytes', () => badRows([Buffer.concat([Buffer.from('X1,C0'), Buffer.from([0xff]), Buffer.from(',2025-01-01,1.00,USD,books,web,false')])], /invalid UTF-8 bytes in the line/));
  test('a 10 MB line', () => badRows([`X1,C001,2025-01-01,1.00,USD,${'y'.repeat(10 << 20)},web,false`], /line longer than 1048576 bytes/));
  test('duplicated order ids with different values', () => badRows([goodLines[0]!.replace(/,(\d+\.\d\d),/, ',99999.99,')], /already appears at line 2 of this file with different values/));
  test('timezones in timestamps are valid, dated in the configured zone', async () => {
    const r = await runOn(`${HEADER}\n${goodLines.join('\n')}\nX1,C001,2025-03-01T23:30:00-05:00,5.00,USD,books,web,false\n`);
    expect(r.code).toBe(0);
    expect(r.manifest!.rejected_by_reason).toEqual([]);
  });
});

describe('a failing write during publication', () => {
  test('disk full: exit 1, the message says so, the previous publication stays whole', async () => {
    await withTempDir(async (dir) => {
      const orders = writeFile(dir, 'o.csv', `${HEADER}\n${goodLines.join('\n')}\n`);
      const cfg = writeFile(dir, 'config.json', JSON.stringify({ neural: false, scoring: { intervalDraws: 0 } }));
      const args = ['run', '--orders', orders, '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'm'), '--config', cfg];
      expect((await runCli(args)).code).toBe(0);
      const before = readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8');
      // Simulate a full disk in the middle of publication, after the tables were copied: writing the report fails with ENOSPC.
      const fs = await import('node:fs');
      const original = fs.writeFileSync;
      const failing = (path: unknown, ...rest: unknown[]) => {
        if (String(path).endsWith('report.html')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return (original as (...a: unknown[]) => void)(path, ...rest);
      };
      const r = await runWithFailingWrites(args, failing);
      expect(r.code).toBe(1);
      expect(r.errors).toContain('publication failed: ENOSPC: no space left on device');
      expect(r.errors).toContain('The previous publication');
      expect(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8')).toBe(before);
    });
  }, 60_000);
});

/** Runs the CLI with node:fs writeFileSync replaced (vitest's module mocking, for this call only). */
async function runWithFailingWrites(args: string[], failing: (...a: unknown[]) => unknown) {
  const { vi } = await import('vitest');
  vi.resetModules();
  vi.doMock('node:fs', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:fs')>()), writeFileSync: failing }));
  try {
    const { runCli: fresh } = await import('../helpers/cli.js');
    return await fresh(args);
  } finally {
    vi.doUnmock('node:fs');
    vi.resetModules();
  }
}
