import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { Database } from '../../pipeline/db/Database.js';
import { DataError } from '../../pipeline/errors.js';
import { silentLogger } from '../../pipeline/log.js';
import { runPipeline } from '../../pipeline/runner/run.js';
import { Pipeline, type Stage } from '../../pipeline/stage.js';
import { withTempDir } from '../helpers/withDb.js';

type Made = Record<string, unknown>;

/** A stage of a made-up pipeline, recording what it was given; it reports the as-of date it makes, if any. */
function fakeStage(name: string, body: (input: Made, params: unknown) => Made, seen: unknown[]): Stage<{ horizon: number }, Made, Made> {
  return {
    name, reads: [], writes: [],
    params: (c) => ({ horizon: c.horizonDays }),
    async run(ctx, params, input) {
      seen.push({ name, params, input: { ...input }, manifestStages: ctx.manifest().stages.map((s) => s.name) });
      await ctx.step(`${name} step`, async () => undefined);
      return body(input, params);
    },
    manifest: (out) => (typeof out.asOf === 'string' ? { as_of: out.asOf } : {}),
  };
}

/** The made-up stages as a pipeline, in the order given. */
const pipelineOf = (stages: Stage<{ horizon: number }, Made, Made>[]) => stages.reduce<Pipeline<Made>>((p, s) => p.then(s), Pipeline.empty);

test('the runner executes the stage table in order, hands each its slice and what the earlier ones added, and records the run', async () => {
  await withTempDir(async (dir) => {
    const config = loadConfig(undefined, { db: join(dir, 'f.duckdb'), out: join(dir, 'out'), horizonDays: 30 });
    const seen: unknown[] = [];
    const pipeline = pipelineOf([
      fakeStage('first', () => ({ asOf: '2026-01-31', inputs: [] }), seen),
      fakeStage('second', (input) => ({ scored: input.asOf === '2026-01-31' ? 7 : -1 }), seen),
    ]);
    const { manifest } = await runPipeline(config, silentLogger, new Date('2026-02-01T00:00:00Z'), { pipeline });
    expect(seen).toEqual([
      { name: 'first', params: { horizon: 30 }, input: {}, manifestStages: [] },
      { name: 'second', params: { horizon: 30 }, input: { asOf: '2026-01-31', inputs: [] }, manifestStages: ['first'] },
    ]);
    expect(manifest).toMatchObject({ outcome: 'succeeded', as_of: '2026-01-31', horizon_days: 30, started_at: '2026-02-01T00:00:00.000Z' });
    expect(manifest.stages.map((s) => [s.name, s.steps?.map((x) => x.name)])).toEqual([['first', ['first step']], ['second', ['second step']]]);
    expect(manifest.run_id).toMatch(/^20260201T000000Z-[0-9a-f]{6}$/);
    const db = await Database.open(join(dir, 'f.duckdb'), { readOnly: true });
    try {
      expect(await db.all('SELECT run_id, outcome, CAST(as_of AS VARCHAR) AS as_of FROM runs')).toEqual([{ run_id: manifest.run_id, outcome: 'succeeded', as_of: '2026-01-31' }]);
    } finally {
      db.close();
    }
    // The locks are released.
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });
});

test('a failing stage stops the run: the error is recorded in the database and a failed manifest beside the releases, the locks released', async () => {
  await withTempDir(async (dir) => {
    const config = loadConfig(undefined, { db: join(dir, 'f.duckdb'), out: join(dir, 'out') });
    const seen: unknown[] = [];
    const pipeline = pipelineOf([
      fakeStage('first', () => ({ asOf: '2026-01-31' }), seen),
      {
        ...fakeStage('broken', () => {
          throw new DataError('the broken stage failed');
        }, seen),
        // What the failed stage says in the manifest (ingest: its rejected lines); a stage that did not fail says nothing of it.
        manifestIfFailed: async ({ runId }) => ({ rejected_by_reason: [{ kind: 'orders', reason: `broken in ${runId}`, lines: 1 }] }),
      },
      { ...fakeStage('never', () => ({}), seen), manifestIfFailed: async () => ({ currency: 'never ran' }) },
    ]);
    await expect(runPipeline(config, silentLogger, new Date(), { pipeline })).rejects.toThrow('the broken stage failed');
    expect(seen.map((s) => (s as { name: string }).name)).toEqual(['first', 'broken']);
    const releases = join(dir, '.out.releases');
    const failed = readdirSync(releases).filter((f) => f.startsWith('failed-'));
    expect(failed).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(releases, failed[0]!), 'utf8'));
    expect(manifest).toMatchObject({ outcome: 'failed', error: 'the broken stage failed', as_of: '2026-01-31', currency: 'USD' });
    expect(manifest.rejected_by_reason).toEqual([{ kind: 'orders', reason: `broken in ${manifest.run_id}`, lines: 1 }]);
    expect(manifest.stages.map((s: { name: string }) => s.name)).toEqual(['first']);
    expect(existsSync(join(dir, 'f.duckdb.lock'))).toBe(false);
    expect(existsSync(join(releases, '.lock'))).toBe(false);
    const db = await Database.open(join(dir, 'f.duckdb'), { readOnly: true });
    try {
      expect(await db.one('SELECT outcome, error FROM runs')).toEqual({ outcome: 'failed', error: 'the broken stage failed' });
    } finally {
      db.close();
    }
  });
});

test("each stage's record holds the process's CPU time during it, every thread's: a worker thread's work counts while the main thread waits", async () => {
  await withTempDir(async (dir) => {
    const config = loadConfig(undefined, { db: join(dir, 'f.duckdb'), out: join(dir, 'out') });
    // A worker thread kept busy until the process has used 400 ms of CPU (on a loaded machine that takes longer on the
    // clock, never less CPU), while the stage's own thread only waits for it; then a stage that sleeps.
    const busyWorker = () => new Promise<void>((resolve, reject) => {
      const worker = new Worker('const s = process.cpuUsage(); let x = 0; while ((({ user, system }) => user + system)(process.cpuUsage(s)) < 400000) x += Math.sqrt(x + 1);', { eval: true });
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
    const pipeline = pipelineOf([
      { ...fakeStage('worked', () => ({ asOf: '2026-01-31' }), []), run: async () => { await busyWorker(); return { asOf: '2026-01-31' }; } },
      { ...fakeStage('slept', () => ({}), []), run: async () => { await new Promise((r) => setTimeout(r, 400)); return {}; } },
    ]);
    const { manifest } = await runPipeline(config, silentLogger, new Date(), { pipeline });
    const [worked, slept] = manifest.stages;
    // The worker's 400 ms of CPU are the stage's (a measure of the main thread alone would give almost none of it).
    expect(worked!.cpu_seconds).toBeGreaterThanOrEqual(0.38);
    expect(worked!.cpu_seconds).toBeLessThanOrEqual(worked!.seconds * availableParallelism() + 0.05);
    expect(worked!.cpu_system_seconds).toBeGreaterThanOrEqual(0);
    expect(worked!.cpu_system_seconds).toBeLessThanOrEqual(worked!.cpu_seconds!);
    // 400 ms asleep cost next to no CPU.
    expect(slept!.seconds).toBeGreaterThanOrEqual(0.39);
    expect(slept!.cpu_seconds).toBeLessThan(0.2);
  });
});
