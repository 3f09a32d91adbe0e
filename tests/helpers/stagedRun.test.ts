import { existsSync, mkdtempSync } from 'node:fs';
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
  // Under the fast project the cache is on: this compares the copy with a run of its own, not a run with itself.
  expect(inject('stagedRunCache')).toMatch(/fidelio-staged-cache-/);
  const shared = await stagedRun('score', { neural: false });
  const other = await stagedRun('score', { neural: false });
  const fresh = await runStages(mkdtempSync(join(tmpdir(), 'fidelio-staged-')), 'score', { neural: false });
  try {
    const tables = (await fresh.db.all<{ t: string }>('SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary ORDER BY 1')).map((r) => r.t);
    expect(tables).toContain('customer_scores');
    expect((await shared.db.all<{ t: string }>('SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary ORDER BY 1')).map((r) => r.t)).toEqual(tables);
    for (const t of tables) expect(await rows(shared, t), t).toBe(await rows(fresh, t));
    // Its paths are its own folder's: the demo files its rows came from and the model version it trained are there.
    expect(await rows(shared, 'orders')).toContain('"source_file":"<dir>/demo/orders.csv"');
    const models = await shared.db.value<string>('SELECT path FROM model_registry');
    expect(models).toBe(join(shared.dir, 'models', shared.state.models!.version));
    expect(existsSync(join(models, 'model.json'))).toBe(true);
    // The state the stages handed each other, Maps and all, equal to the fresh run's but for its folder.
    expect(shared.state.btydFits).toBeInstanceOf(Map);
    expect(shared.state).toStrictEqual(moved(fresh.state, fresh.dir, shared.dir));
    // Each copy is its own: what a test does to one, the next does not see.
    expect(other.dir).not.toBe(shared.dir);
    await shared.db.run('DELETE FROM customer_scores');
    shared.state.asOf = 'changed';
    expect(await other.db.value('SELECT count(*) FROM customer_scores')).toBe(800);
    expect(other.state.asOf).toBe(fresh.state.asOf);
  } finally {
    for (const run of [shared, other, fresh]) run.close();
  }
}, 120_000);
