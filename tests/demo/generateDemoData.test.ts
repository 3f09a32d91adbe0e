import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
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
