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

test('demo-data ends the history on --end-date; --follow-up needs a publication and refuses a shape beside it', async () => {
  await withTempDir(async (dir) => {
    const a = await runCli(['demo-data', '--out', join(dir, 'a'), '--customers', '80', '--months', '12', '--end-date', '2026-03-31']);
    expect(a.code, a.errors).toBe(0);
    const files = JSON.parse(a.stdout);
    expect(files.stats.endDate).toBe('2026-03-31');
    const dates = readFileSync(files.orders, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]!);
    expect(dates.every((d) => d <= '2026-03-31T23:59:59Z')).toBe(true);
    expect(readFileSync(files.referrals, 'utf8').split('\n')[0]).toBe('referrer_id,referred_id,date');
    for (const bad of ['2026-02-30', '2025-02-29', '31/03/2026', '2026-3-31', '']) {
      const r = await runCli(['demo-data', '--out', join(dir, 'b'), '--end-date', bad]);
      expect(r.code).toBe(2);
    }
    const none = await runCli(['demo-data', '--follow-up', join(dir, 'nowhere'), '--out', join(dir, 'c')]);
    expect(none.code).toBe(2);
    expect(none.errors).toContain('holds no readable publication');
    const both = await runCli(['demo-data', '--follow-up', join(dir, 'nowhere'), '--shape', 'european', '--out', join(dir, 'c')]);
    expect(both.code).toBe(2);
    expect(both.errors).toContain('--follow-up and --shape are two different data sets');
  });
});
