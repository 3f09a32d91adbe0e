import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { TRUE_EFFECTS, TYPE_EFFECTS, writeFollowUp } from '../../pipeline/demo/followUp.js';
import { demoArchetype } from '../../pipeline/demo/generateDemoData.js';
import { withTempDir } from '../helpers/withDb.js';

/** A publication's read-only database as far as the follow-up reads it: n customers, every other one contacted for `action`. */
async function publication(dir: string, n: number, action: string, churn: number): Promise<string> {
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const db = await Database.open(join(out, 'fidelio.duckdb'));
  await db.run(`CREATE TABLE customer_scores AS SELECT 'C' || lpad(CAST(i AS VARCHAR), 5, '0') AS customer_id, DATE '2026-06-30' AS as_of,
      ${churn} AS churn_probability, 200.0 AS historic_value, 4 AS orders_count, '${action}' AS action, i % 2 = 0 AS contact, i % 2 = 1 AS is_control, 'EUR' AS currency
    FROM range(${n}) t(i)`);
  await db.run(`CREATE TABLE customer_scores_history AS SELECT 'run-1' AS run_id, as_of, customer_id, 90 AS horizon_days FROM customer_scores`);
  db.close();
  return out;
}

test('contacted customers buy with the chance their churn score leaves them plus the true effect; controls without it', async () => {
  await withTempDir(async (dir) => {
    const out = await publication(dir, 6000, 'save', 0.6);
    const f = await writeFollowUp(out, join(dir, 'after'), { seed: 5 });
    expect(f).toMatchObject({ run_id: 'run-1', as_of: '2026-06-30', measure_as_of: '2026-09-28', days: 90, customers: 6000, contacted: 3000, controls: 3000, true_effects: TRUE_EFFECTS });
    const lines = readFileSync(f.orders, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('order_id,customer_id,order_ts,amount,currency,category,channel,discount_used');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(f.purchases);
    const bought = (parity: number) => rows.filter((r) => Number(r[1]!.slice(1)) % 2 === parity).length / 3000;
    // 0.4 + 0.2 and 0.4, each within three standard errors (0.009).
    expect(Math.abs(bought(0) - 0.6)).toBeLessThan(0.027);
    expect(Math.abs(bought(1) - 0.4)).toBeLessThan(0.027);
    // Within the horizon after as-of, in the publication's currency, around the customer's mean order (50).
    expect(rows.every((r) => r[2]! > '2026-07-01T00:00:00Z' && r[2]! < '2026-09-29T00:00:00Z' && r[4] === 'EUR')).toBe(true);
    const mean = rows.reduce((s, r) => s + Number(r[3]), 0) / rows.length;
    expect(Math.abs(mean - 50)).toBeLessThan(1.5);
    // Seeded: the same seed writes the same file.
    const again = await writeFollowUp(out, join(dir, 'again'), { seed: 5 });
    expect(readFileSync(again.orders, 'utf8')).toBe(readFileSync(f.orders, 'utf8'));
  });
});

test('the placebo changes nothing; fewer days than the horizon give the churn score its share of them', async () => {
  await withTempDir(async (dir) => {
    const out = await publication(dir, 6000, 'surprise', 0.5);
    const f = await writeFollowUp(out, join(dir, 'after'), { seed: 8, days: 30 });
    const rows = readFileSync(f.orders, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // 1 - 0.5^(30/90) = 0.2063 for both groups.
    for (const parity of [0, 1]) {
      const share = rows.filter((r) => Number(r[1]!.slice(1)) % 2 === parity).length / 3000;
      expect(Math.abs(share - (1 - 0.5 ** (1 / 3)))).toBeLessThan(0.023);
    }
    expect(f.measure_as_of).toBe('2026-07-30');
  });
});

test('a folder without a publication is refused in words', async () => {
  await withTempDir(async (dir) => {
    await expect(writeFollowUp(join(dir, 'nothing'), join(dir, 'after'), { seed: 1 })).rejects.toThrow(/holds no readable publication/);
  });
});

test('by buyer type, with 80% reached: only the reached get their type\'s effect, and they are the contacts file', async () => {
  await withTempDir(async (dir) => {
    const out = await publication(dir, 24000, 'save', 0.5);
    const f = await writeFollowUp(out, join(dir, 'after'), { seed: 11, byType: { demoSeed: 7 }, reach: 0.8 });
    expect(f.type_effects).toEqual(TYPE_EFFECTS);
    const contacts = readFileSync(f.contacts_file!, 'utf8').trim().split('\n');
    expect(contacts[0]).toBe('customer_id,action,contacted_at,channel,cost');
    const reached = new Set(contacts.slice(1).map((l) => l.split(',')[0]!));
    expect(reached.size).toBe(f.reached);
    // Only contacted customers (even numbers), about 80% of the 12,000 (three standard errors: 110).
    expect([...reached].every((id) => Number(id.slice(1)) % 2 === 0)).toBe(true);
    expect(Math.abs(reached.size - 9600)).toBeLessThan(110);
    expect(contacts.slice(1).every((l) => /^C\d{5},save,2026-07-0[1-7],email,$/.test(l))).toBe(true);
    const buyers = new Set(readFileSync(f.orders, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]!));
    // Each group's share of buyers against 0.5 + its true effect, recomputing every customer's type here.
    const groups = new Map<string, { n: number; bought: number; effect: number }>();
    for (let i = 0; i < 24000; i++) {
      const id = `C${String(i).padStart(5, '0')}`;
      const type = demoArchetype(7, i);
      const group = i % 2 === 1 ? 'control' : reached.has(id) ? `reached ${type}` : 'not reached';
      const g = groups.get(group) ?? { n: 0, bought: 0, effect: group.startsWith('reached') ? TYPE_EFFECTS.save![type] : 0 };
      g.n++;
      if (buyers.has(id)) g.bought++;
      groups.set(group, g);
    }
    expect([...groups.keys()].sort()).toEqual(['control', 'not reached', 'reached app_bargain_hunter', 'reached mixed', 'reached store_big_basket', 'reached web_regular']);
    for (const [group, g] of groups) {
      const p = 0.5 + g.effect;
      expect(Math.abs(g.bought / g.n - p), group).toBeLessThan(3 * Math.sqrt(p * (1 - p) / g.n));
    }
  });
});
