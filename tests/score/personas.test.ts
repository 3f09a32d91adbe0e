import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoArchetype, type Archetype } from '../../pipeline/demo/generateDemoData.js';
import type { PersonaParams } from '../../pipeline/learn/personaClusters.js';
import { assignPersonas } from '../../pipeline/score/personas.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

/**
 * Personas on generated data whose buyer types are known (the demo's
 * archetypes): the clusters must find them, name them by what sets them
 * apart, and keep most customers' persona when the sample they are fitted
 * on is drawn again with another seed.
 */
const PARAMS: PersonaParams = { min: 4, max: 8, fitCustomers: 1500, silhouetteCustomers: 1000, restarts: 3, maxIterations: 100 };
const SEED = 11;
let base: DemoBase;

beforeAll(async () => {
  base = await demoBase(3000, SEED);
}, 120_000);
afterAll(() => base?.close());

async function personasOf(seed: number): Promise<{ k: number | null; of: Map<string, number>; labels: { persona_id: number; persona: string; description: string }[] }> {
  const fit = await assignPersonas(base.db, '2026-09-30', seed, PARAMS, 'USD');
  const rows = await base.db.all<{ customer_id: string; persona_id: number }>('SELECT customer_id, persona_id FROM customer_personas ORDER BY customer_id');
  const labels = await base.db.all<{ persona_id: number; persona: string; description: string }>('SELECT persona_id, persona, description FROM persona_labels ORDER BY persona_id');
  return { k: fit.k, of: new Map(rows.map((r) => [r.customer_id, r.persona_id])), labels };
}

const archetypeOf = (id: string): Archetype => demoArchetype(SEED, Number(id.slice(1)));

describe('buyer personas', () => {
  test('every customer gets one persona; the same seed gives the same personas', async () => {
    const a = await personasOf(1);
    const customers = await base.db.value<number>('SELECT count(*) FROM customer_features');
    expect(a.of.size).toBe(customers);
    expect(a.k).toBeGreaterThanOrEqual(4);
    expect(a.k).toBeLessThanOrEqual(8);
    expect(new Set(a.of.values()).size).toBe(a.k);
    expect(a.labels.map((l) => l.persona_id)).toEqual(Array.from({ length: a.k! }, (_, i) => i + 1));
    expect(new Set(a.labels.map((l) => l.persona)).size).toBe(a.k);
    // Numbered by size: persona 1 is the largest of everyone.
    const sizes = a.labels.map((l) => [...a.of.values()].filter((p) => p === l.persona_id).length);
    expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    const again = await personasOf(1);
    expect([...again.of]).toEqual([...a.of]);
    expect(again.labels).toEqual(a.labels);
  }, 60_000);

  test('the buyer types behind the data are found and named by what sets them apart', async () => {
    const { of, labels } = await personasOf(1);
    const channels = new Map((await base.db.all<{ customer_id: string; channel: string }>(
      `SELECT customer_id, first(channel ORDER BY n DESC, channel) AS channel FROM (
         SELECT customer_id, channel, count(*) AS n FROM orders WHERE customer_id IS NOT NULL AND amount >= 0 GROUP BY ALL) GROUP BY customer_id`)).map((r) => [r.customer_id, r.channel]));
    const expectations: [Archetype, RegExp, string][] = [
      ['app_bargain_hunter', /discount-driven.*weekend.*app buyers|weekend.*discount-driven.*app buyers/, 'app'],
      ['web_regular', /web buyers/, 'web'],
      ['store_big_basket', /big-basket.*store buyers/, 'store'],
    ];
    for (const [type, name, channel] of expectations) {
      const ids = [...of.keys()].filter((id) => archetypeOf(id) === type);
      // The persona holding most of the type holds at least 60% of it (by chance: about one in k).
      const counts = new Map<number, number>();
      for (const id of ids) counts.set(of.get(id)!, (counts.get(of.get(id)!) ?? 0) + 1);
      const [persona, held] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      expect(held / ids.length, type).toBeGreaterThan(0.6);
      const label = labels.find((l) => l.persona_id === persona)!;
      expect(label.persona, type).toMatch(name);
      // The description's channel share, recomputed from the orders.
      const members = [...of].filter(([, p]) => p === persona).map(([id]) => id);
      const share = members.filter((id) => channels.get(id) === channel).length / members.length;
      expect(label.description).toContain(`${Math.round(100 * share)}% buy mostly through ${channel}`);
    }
  }, 60_000);

  test('a reseeded sample keeps most customers in their persona', async () => {
    const a = await personasOf(1);
    const b = await personasOf(2);
    // Each persona of the second fit stands for the first fit's persona it shares most customers with.
    const overlap = new Map<string, number>();
    for (const [id, p] of b.of) overlap.set(`${p}|${a.of.get(id)}`, (overlap.get(`${p}|${a.of.get(id)}`) ?? 0) + 1);
    const match = new Map<number, number>();
    for (let p = 1; p <= b.k!; p++) {
      const best = [...overlap].filter(([key]) => key.startsWith(`${p}|`)).sort((x, y) => y[1] - x[1])[0]!;
      match.set(p, Number(best[0].split('|')[1]));
    }
    const kept = [...b.of].filter(([id, p]) => match.get(p) === a.of.get(id)).length / b.of.size;
    expect(kept).toBeGreaterThan(0.85);
  }, 60_000);

  test('a base too small to cluster gets no personas, and says so', async () => {
    const fit = await assignPersonas(base.db, '2026-09-30', 1, { ...PARAMS, fitCustomers: 30 }, 'USD');
    expect(fit).toEqual({ k: null, silhouettes: [], fittedOn: 30 });
    expect(await base.db.value<number>('SELECT count(*) FROM customer_personas')).toBe(0);
    expect(await base.db.value<number>('SELECT count(*) FROM persona_labels')).toBe(0);
  }, 60_000);
});
