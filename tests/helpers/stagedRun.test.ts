import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, test } from 'vitest';
import { runStages, stagedRun, type StagedRun } from './stagedRun.js';

/** Every string in `v` (a state: objects, arrays, Maps) with `from` replaced by `to`. */
function moved(v: unknown, from: string, to: string): unknown {
  if (typeof v === 'string') return v.replaceAll(from, to);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [moved(k, from, to), moved(x, from, to)]));
  if (Array.isArray(v)) return v.map((x) => moved(x, from, to));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, moved(x, from, to)]));
  return v;
}

/** A table's rows as text, its run's folder and the clock's times (when a migration, a model or a backtest was recorded) left out. */
async function rows(run: StagedRun, table: string): Promise<string> {
  const clock = new Set(['applied_at', 'created_at', 'promoted_at', 'recorded_at']);
  return JSON.stringify(await run.db.all(`SELECT * FROM "${table}" ORDER BY ALL`), (k, v) => (clock.has(k) && v !== null ? '<clock>' : v)).replaceAll(run.dir, '<dir>');
}

test("a staged run copied from the suite's cache is the run the stages make afresh, every table and the state, in a folder of its own", async () => {
  // Under the fast project the cache is on: this compares a copy with a run of its own, not a run with itself.
  expect(inject('stagedRunCache')).toMatch(/fidelio-staged-cache-/);
  const shared = await stagedRun('features');
  const fresh = await runStages(mkdtempSync(join(tmpdir(), 'fidelio-staged-')), 'features', {});
  try {
    const tables = (await fresh.db.all<{ t: string }>('SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary ORDER BY 1')).map((r) => r.t);
    expect(tables).toEqual(expect.arrayContaining(['orders', 'customer_features', 'btyd_features__figures', 'training_sample']));
    expect((await shared.db.all<{ t: string }>('SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary ORDER BY 1')).map((r) => r.t)).toEqual(tables);
    // btyd_features is a view (of customer_features beside its figures): its rows too.
    for (const t of [...tables, 'btyd_features']) expect(await rows(shared, t), t).toBe(await rows(fresh, t));
    // Its rows name its own folder's demo files, which are there.
    expect(await rows(shared, 'orders')).toContain('"source_file":"<dir>/demo/orders.csv"');
    expect(existsSync(join(shared.dir, 'demo', 'orders.csv'))).toBe(true);
    // The state the stages handed each other, Maps and all, equal to the fresh run's but for its folder.
    expect(shared.state.btydFits).toBeInstanceOf(Map);
    expect(shared.state).toStrictEqual(moved(fresh.state, fresh.dir, shared.dir));
  } finally {
    for (const run of [shared, fresh]) run.close();
  }
});

test('a copy of a scored run has its own model folder in its registry; what a test does to its copy, the next copy does not see', async () => {
  const [one, two] = [await stagedRun('score', { neural: false }), await stagedRun('score', { neural: false })];
  try {
    expect(two.dir).not.toBe(one.dir);
    for (const run of [one, two]) {
      const path = await run.db.value<string>(`SELECT path FROM model_registry WHERE status = 'champion'`);
      expect(path).toBe(join(run.dir, 'models', run.state.models!.version));
      expect(JSON.parse(readFileSync(join(path, 'model.json'), 'utf8')).version).toBe(run.state.models!.version);
    }
    expect(two.state).toStrictEqual(moved(one.state, one.dir, two.dir));
    await one.db.run('DELETE FROM customer_scores');
    one.state.asOf = 'changed';
    expect(await two.db.value('SELECT count(*) FROM customer_scores')).toBe(800);
    expect(two.state.asOf).not.toBe('changed');
  } finally {
    for (const run of [one, two]) run.close();
  }
});
