import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { writeSeasonalShop, writeSteadyShop } from '../../pipeline/demo/historyShapes.js';
import { withTempDir } from '../helpers/withDb.js';

/** The invoices of a written history: customer, day, amount. */
function read(path: string) {
  return readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => {
    const [, customer, ts, amount] = l.split(',');
    return { customer: customer!, day: ts!.slice(0, 10), amount: Number(amount) };
  });
}

test('the seasonal shop: seeded, a busy fourth quarter, several invoices on a day, one-time buyers and a few wholesalers', async () => {
  await withTempDir(async (dir) => {
    const truth = writeSeasonalShop(join(dir, 'a.csv'), 5, 1500);
    writeSeasonalShop(join(dir, 'b.csv'), 5, 1500);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe(readFileSync(join(dir, 'b.csv'), 'utf8'));
    const rows = read(join(dir, 'a.csv'));
    expect(rows.length).toBe(truth.invoices);
    expect(new Set(rows.map((r) => r.customer)).size).toBe(truth.customers);
    expect([rows[0]!.day >= truth.start, rows.at(-1)!.day <= truth.end]).toEqual([true, true]);
    // Purchase days per calendar day: September to November against May to July.
    const days = new Map<string, Set<string>>();
    for (const r of rows) (days.get(r.customer) ?? days.set(r.customer, new Set()).get(r.customer)!).add(r.day);
    const perMonth = new Array<number>(12).fill(0);
    for (const set of days.values()) for (const d of set) perMonth[Number(d.slice(5, 7)) - 1]!++;
    const autumn = (perMonth[8]! + perMonth[9]! + perMonth[10]!) / 91;
    const summer = (perMonth[4]! + perMonth[5]! + perMonth[6]!) / 92;
    expect(autumn / summer).toBeGreaterThan(1.6);
    // About three purchase days in ten carry two invoices or more.
    const perDay = new Map<string, number>();
    for (const r of rows) perDay.set(`${r.customer}|${r.day}`, (perDay.get(`${r.customer}|${r.day}`) ?? 0) + 1);
    const split = [...perDay.values()].filter((n) => n > 1).length / perDay.size;
    expect(split).toBeGreaterThan(0.2);
    expect(split).toBeLessThan(0.4);
    const onceOnly = [...days.values()].filter((s) => s.size === 1).length / days.size;
    expect(onceOnly).toBeGreaterThan(0.35);
    // The wholesalers buy far more often than the median customer (the later ones had less time).
    const median = [...days.values()].map((s) => s.size).sort((a, b) => a - b)[Math.floor(days.size / 2)]!;
    const wholesale = truth.wholesale.map((id) => days.get(id)?.size ?? 0);
    expect(wholesale.reduce((a, v) => a + v, 0) / wholesale.length).toBeGreaterThan(10 * median);
  });
});

test('the steady shop: regular reorders, and the few customers who stopped buy nothing after their last months', async () => {
  await withTempDir(async (dir) => {
    const truth = writeSteadyShop(join(dir, 's.csv'), 3, 1200);
    const rows = read(join(dir, 's.csv'));
    expect(truth.silent.length).toBeGreaterThan(10);
    const last = new Map<string, string>();
    for (const r of rows) if (!last.has(r.customer) || last.get(r.customer)! < r.day) last.set(r.customer, r.day);
    // Stopped within 120 days of the start (2010-12-01): nothing from May 2011 on.
    for (const id of truth.silent) expect(last.get(id)! < '2011-05-01', id).toBe(true);
    const active = [...last.entries()].filter(([id]) => !truth.silent.includes(id));
    expect(active.filter(([, d]) => d >= '2011-10-01').length / active.length).toBeGreaterThan(0.6);
  });
});
