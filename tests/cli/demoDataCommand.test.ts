import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/withDb.js';

test('demo-data writes the seeded data set and prints where, with its figures; the same seed gives the same bytes', async () => {
  await withTempDir(async (dir) => {
    const a = await runCli(['demo-data', '--out', join(dir, 'a'), '--customers', '80', '--months', '12', '--seed', '5', '--bad-rows']);
    expect(a.code).toBe(0);
    const files = JSON.parse(a.stdout);
    expect(files.stats).toMatchObject({ customers: 80, badRows: 7 });
    expect(readFileSync(files.orders, 'utf8').split('\n')[0]).toBe('order_id,customer_id,order_ts,amount,currency,category,channel,discount_used');
    const b = JSON.parse((await runCli(['demo-data', '--out', join(dir, 'b'), '--customers', '80', '--months', '12', '--seed', '5', '--bad-rows'])).stdout);
    expect(readFileSync(b.orders, 'utf8')).toBe(readFileSync(files.orders, 'utf8'));
    expect((await runCli(['demo-data', '--out', join(dir, 'c'), '--customers', '10'])).code).toBe(2);
    const shaped = JSON.parse((await runCli(['demo-data', '--out', join(dir, 'd'), '--shape', 'european', '--customers', '30'])).stdout);
    expect(readFileSync(shaped.orders, 'utf8').split('\n')[0]).toBe('Order No;Customer No;Order Date;Total;Currency;Channel');
    expect((await runCli(['demo-data', '--out', join(dir, 'e'), '--shape', 'spreadsheet'])).code).toBe(2);
  });
});
