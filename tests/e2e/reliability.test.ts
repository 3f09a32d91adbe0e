import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { packageRoot } from '../../pipeline/db/sqlFile.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

const BIN = join(packageRoot, 'dist', 'pipeline', 'bin.js');

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** Runs the built CLI in a child process; kills it with `signal` (SIGKILL) when `killWhen` matches a log line. */
function runCli(args: string[], killWhen?: RegExp, signal: NodeJS.Signals = 'SIGKILL'): Promise<Outcome & { killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killWhen && !killed && killWhen.test(stderr)) {
        killed = true;
        child.kill(signal);
      }
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout, killed }));
  });
}

/** A fast configuration: a small demo and no networks, so each run takes a second or two. */
function setup(dir: string) {
  const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 500, months: 24 }, neural: false, scoring: { intervalDraws: 5 } }));
  return ['run', '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config];
}

const published = (dir: string) => ({
  scores: readFileSync(join(dir, 'out', 'customer_scores.csv'), 'utf8'),
  runId: JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8')).run_id as string,
});

describe('a run killed at any stage leaves the previous publication whole', () => {
  test('SIGKILL during ingest, features, training, scoring and publication', async () => {
    await withTempDir(async (dir) => {
      const args = setup(dir);
      const first = await runCli(args);
      expect(first.code).toBe(0);
      const before = published(dir);
      for (const stage of ['ingest', 'features', 'train', 'score', 'publish']) {
        const killed = await runCli(args, new RegExp(`"stage":"${stage}"[^\\n]*"msg":"started"`));
        expect(killed.killed, stage).toBe(true);
        expect(killed.signal).toBe('SIGKILL');
        expect(published(dir), `after a kill during ${stage}`).toEqual(before);
      }
      // The next run takes over the dead run's locks, removes its leftovers and publishes.
      const next = await runCli(args);
      expect(next.code).toBe(0);
      expect(next.stderr).toContain('taking over a stale lock');
      const after = published(dir);
      expect(after.runId).not.toBe(before.runId);
      expect(after.scores).toEqual(before.scores);
      expect(readdirSync(join(dir, '.out.releases')).filter((n) => n.endsWith('.partial'))).toEqual([]);
      // Each killed run is recorded as failed, with when it was last seen; none is left 'running'.
      const db = await Database.open(join(dir, 'f.duckdb'), { readOnly: true });
      try {
        const runs = await db.all<{ outcome: string; error: string | null }>('SELECT outcome, error FROM runs ORDER BY started_at');
        expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'failed', 'failed', 'failed', 'failed', 'failed', 'succeeded']);
        for (const r of runs.filter((x) => x.outcome === 'failed')) {
          expect(r.error).toMatch(/^killed: its process \d+ on .+ stopped while it ran \(last seen \d{4}-\d\d-\d\dT[\d:.]+Z\); run \S+ took over its lock$/);
        }
      } finally {
        db.close();
      }
    });
  }, 180_000);
});

describe('a run stopped by SIGINT or SIGTERM', () => {
  test('is recorded as interrupted, releases its locks and its unfinished release, keeps the publication; the next run publishes', async () => {
    await withTempDir(async (dir) => {
      const args = setup(dir);
      expect((await runCli(args)).code).toBe(0);
      const before = published(dir);
      // Stages that last a while on a run that keeps its champion (its train stage ends in a fraction of a second, before
      // a signal sent at its start is seen at the next step).
      const stopped: [NodeJS.Signals, string][] = [['SIGTERM', 'features'], ['SIGINT', 'score'], ['SIGTERM', 'publish']];
      for (const [signal, stage] of stopped) {
        const run = await runCli(args, new RegExp(`"stage":"${stage}"[^\\n]*"msg":"started"`), signal);
        expect(run.killed, stage).toBe(true);
        // The process ends by itself, with the reason in words: not killed by the signal.
        expect(run.signal, stage).toBeNull();
        expect(run.code, stage).toBe(1);
        expect(run.stderr).toContain(`${signal} received: stopping the run`);
        expect(run.stderr).toMatch(new RegExp(`the run was interrupted by ${signal} during .+ and stopped: recorded as interrupted, the locks are released and the previous publication is intact`));
        expect(published(dir), `after ${signal} during ${stage}`).toEqual(before);
        expect(readdirSync(dir).filter((f) => f.endsWith('.lock')), stage).toEqual([]);
        expect(existsSync(join(dir, '.out.releases', '.lock')), stage).toBe(false);
        expect(readdirSync(join(dir, '.out.releases')).filter((n) => n.endsWith('.partial')), stage).toEqual([]);
      }
      const db = await Database.open(join(dir, 'f.duckdb'), { readOnly: true });
      try {
        const runs = await db.all<{ outcome: string; error: string | null }>('SELECT outcome, error FROM runs ORDER BY started_at');
        expect(runs.map((r) => r.outcome)).toEqual(['succeeded', 'interrupted', 'interrupted', 'interrupted']);
        expect(runs[1]!.error).toMatch(/^the run was interrupted by SIGTERM during (the )?features/);
        expect(runs[2]!.error).toMatch(/^the run was interrupted by SIGINT during (the )?score/);
      } finally {
        db.close();
      }
      // Nothing was left for the next run to take over or clean.
      const next = await runCli(args);
      expect(next.code).toBe(0);
      expect(next.stderr).not.toContain('taking over a stale lock');
      expect(next.stderr).not.toContain('removed the unfinished output');
      expect(published(dir).scores).toEqual(before.scores);
    });
  }, 180_000);
});

describe('a run past its time budget', () => {
  test('stops with exit 1 and the reason recorded, releases its locks, keeps the publication; the next run publishes', async () => {
    await withTempDir(async (dir) => {
      const args = setup(dir);
      expect((await runCli(args)).code).toBe(0);
      const before = published(dir);
      // A budget of 0.3 s: passed during the first stages of a run that takes seconds.
      const late = await runCli([...args, '--max-minutes', '0.005']);
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/the run passed run\.maxMinutes \(0\.005 minutes\) during .+ and was stopped: the previous publication is intact and the locks are released/);
      expect(published(dir)).toEqual(before);
      expect(readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
      const db = await Database.open(join(dir, 'f.duckdb'), { readOnly: true });
      try {
        expect(await db.value(`SELECT error FROM runs ORDER BY started_at DESC LIMIT 1`)).toMatch(/passed run\.maxMinutes/);
      } finally {
        db.close();
      }
      const next = await runCli(args);
      expect(next.code).toBe(0);
      expect(next.stderr).not.toContain('taking over a stale lock');
      expect(published(dir).scores).toEqual(before.scores);
    });
  }, 180_000);
  test('--max-minutes must be a positive number (exit 2)', async () => {
    await withTempDir(async (dir) => {
      for (const bad of ['0', '-1', 'soon', '']) {
        const out = await runCli([...setup(dir), '--max-minutes', bad]);
        expect(out.code, bad).toBe(2);
        expect(out.stderr).toContain('--max-minutes must be a positive number of minutes');
      }
    });
  }, 60_000);
});

describe('two runs at once', () => {
  test('one proceeds, the other is refused naming the holder; with --wait both finish', async () => {
    await withTempDir(async (dir) => {
      const args = setup(dir);
      const [a, b] = await Promise.all([runCli(args), runCli(args)]);
      const codes = [a.code, b.code].sort();
      expect(codes).toEqual([0, 1]);
      const refused = a.code === 1 ? a : b;
      expect(refused.stderr).toMatch(/another fidelio run holds .*\.lock: process \d+ on /);
      const single = published(dir);
      expect(existsSync(join(dir, 'out', 'customer_scores.csv'))).toBe(true);

      const [c, d] = await Promise.all([runCli([...args, '--wait']), runCli([...args, '--wait'])]);
      expect([c.code, d.code]).toEqual([0, 0]);
      expect(published(dir).scores).toEqual(single.scores);
    });
  }, 180_000);
});
