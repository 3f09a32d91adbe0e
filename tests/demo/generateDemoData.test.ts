import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ARCHETYPES, demoArchetype, generateDemoData, type Archetype } from '../../pipeline/demo/generateDemoData.js';
import { withTempDir } from '../helpers/withDb.js';

test('the demo history is seeded, ends on its end date, has refunds, a strong fourth quarter and the bad rows asked for', async () => {
  await withTempDir(async (dir) => {
    const a = generateDemoData(join(dir, 'a'), { customers: 400, seed: 9, months: 24, withBadRows: true });
    const b = generateDemoData(join(dir, 'b'), { customers: 400, seed: 9, months: 24, withBadRows: true });
    const c = generateDemoData(join(dir, 'c'), { customers: 400, seed: 10, months: 24 });
    expect(readFileSync(a.orders, 'utf8')).toBe(readFileSync(b.orders, 'utf8'));
    expect(readFileSync(a.orders, 'utf8')).not.toBe(readFileSync(c.orders, 'utf8'));
    expect(a.stats).toMatchObject({ customers: 400, badRows: 7, endDate: '2026-09-30' });
    const all = readFileSync(a.orders, 'utf8').trim().split('\n').slice(1, -7).map((l) => l.split(','));
    const lines = all.filter((l) => l[1] !== '');
    expect(lines.length).toBe(a.stats.orders + a.stats.refunds);
    // Guest checkouts: no customer id, a fifth as many as customers.
    expect(all.length - lines.length).toBe(a.stats.guestOrders);
    expect(a.stats.guestOrders).toBe(80);
    expect(lines.filter((l) => Number(l[3]) < 0).length).toBe(a.stats.refunds);
    expect(lines.every((l) => l[2]! <= '2026-09-30T23:59:59Z')).toBe(true);
    // The season: December 2025 busier than October 2025 by more than the base grew (1.6 against 1.05 in the generator).
    const inMonth = (m: string) => lines.filter((l) => Number(l[3]) > 0 && l[2]!.startsWith(m)).length;
    expect(inMonth('2025-12') / inMonth('2025-10')).toBeGreaterThan(1.3);
    expect(readFileSync(a.customers, 'utf8').trim().split('\n')).toHaveLength(401);
    expect(readFileSync(c.orders, 'utf8')).not.toContain('B0000001');
  });
});

test('each customer is one of the buyer types, whose channel, discounts and weekend buying show in the orders', async () => {
  await withTempDir(async (dir) => {
    const files = generateDemoData(dir, { customers: 2000, seed: 4, months: 24 });
    const type = (id: string) => demoArchetype(4, Number(id.slice(1)));
    const counts = new Map<Archetype, number>();
    for (let i = 1; i <= 2000; i++) counts.set(demoArchetype(4, i), (counts.get(demoArchetype(4, i)) ?? 0) + 1);
    for (const [name, a] of Object.entries(ARCHETYPES)) expect(Math.abs(counts.get(name as Archetype)! / 2000 - a.share), name).toBeLessThan(0.04);
    const purchases = readFileSync(files.orders, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
      .filter((l) => l[1] !== '' && Number(l[3]) > 0);
    const of = (t: Archetype) => purchases.filter((l) => type(l[1]!) === t);
    const share = (rows: string[][], test: (l: string[]) => boolean) => rows.filter(test).length / rows.length;
    const weekend = (l: string[]) => [0, 6].includes(new Date(l[2]!).getUTCDay());
    // The app bargain hunters: mostly app, mostly discounted, mostly at weekends; the web regulars the opposite.
    expect(share(of('app_bargain_hunter'), (l) => l[6] === 'app')).toBeGreaterThan(0.8);
    expect(share(of('app_bargain_hunter'), (l) => l[7] === 'true')).toBeGreaterThan(0.7);
    expect(share(of('app_bargain_hunter'), weekend)).toBeGreaterThan(0.65);
    expect(share(of('web_regular'), (l) => l[6] === 'web')).toBeGreaterThan(0.8);
    expect(share(of('web_regular'), weekend)).toBeLessThan(0.15);
    expect(share(of('store_big_basket'), (l) => l[6] === 'store')).toBeGreaterThan(0.8);
    const mean = (rows: string[][]) => rows.reduce((s, l) => s + Number(l[3]), 0) / rows.length;
    expect(mean(of('store_big_basket')) / mean(of('web_regular'))).toBeGreaterThan(1.8);
  });
});

test('customers acquired by referral name an earlier customer who had bought before they signed up', async () => {
  await withTempDir(async (dir) => {
    const files = generateDemoData(dir, { customers: 1500, seed: 6, months: 24 });
    const referrals = readFileSync(files.referrals, 'utf8').trim().split('\n');
    expect(referrals[0]).toBe('referrer_id,referred_id,date');
    const rows = referrals.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(files.stats.referrals);
    const customers = new Map(readFileSync(files.customers, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => [c[0]!, c]));
    const firstOrder = new Map<string, string>();
    for (const l of readFileSync(files.orders, 'utf8').trim().split('\n').slice(1).map((x) => x.split(','))) {
      if (l[1] && Number(l[3]) > 0 && (!firstOrder.has(l[1]) || l[2]! < firstOrder.get(l[1])!)) firstOrder.set(l[1], l[2]!);
    }
    const referred = [...customers.values()].filter((c) => c[4] === 'referral').length;
    // Most customers acquired by referral name a referrer (about a fifth are acquired so).
    expect(rows.length / referred).toBeGreaterThan(0.8);
    expect(referred / 1500).toBeGreaterThan(0.15);
    for (const [referrer, referredId, date] of rows) {
      expect(customers.get(referredId!)![4]).toBe('referral');
      expect(customers.get(referredId!)![1]).toBe(date);
      expect(referrer).not.toBe(referredId);
      // Day resolution: the referrer's first purchase is before the referred customer's signup day ends.
      expect(firstOrder.get(referrer!)!.slice(0, 10) <= date!).toBe(true);
    }
  });
});
