import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { main } from '../../pipeline/cli.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { silentLogger } from '../../pipeline/log.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/** Keeps the header and the rows whose timestamp (third column) is on or before `day`. */
function upTo(path: string, day: string): string {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return [header, ...lines.filter((l) => l.split(',')[2]!.slice(0, 10) <= day)].join('\n') + '\n';
}

test('fidelio features gives identical output when the inputs also hold later rows', async () => {
  await withTempDir(async (dir) => {
    const demo = generateDemoData(join(dir, 'demo'), { customers: 300, seed: 11, months: 18 });
    const asOf = '2026-03-31';
    const run = async (name: string, orders: string, tickets: string) => {
      const out = join(dir, `${name}.csv`);
      const code = await main(['features', '--orders', orders, '--tickets', tickets, '--customers', demo.customers,
        '--db', join(dir, `${name}.duckdb`), '--as-of', asOf, '--out', out], silentLogger, () => undefined);
      expect(code).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const full = await run('full', demo.orders, demo.tickets);
    const cut = await run('cut', writeFile(dir, 'o.csv', upTo(demo.orders, asOf)), writeFile(dir, 't.csv', upTo(demo.tickets, asOf)));
    expect(readFileSync(demo.orders, 'utf8').split('\n').some((l) => l.split(',')[2]?.slice(0, 10) > asOf)).toBe(true);
    expect(full).toEqual(cut);
    expect(full.trim().split('\n').length).toBeGreaterThan(100);
  });
}, 60_000);
