import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { silentLogger } from '../../pipeline/log.js';
import { RunLock } from '../../pipeline/runner/runLock.js';
import { withTempDir } from '../helpers/withDb.js';

test('a lock names its holder; a second run is refused naming it, or waits for it with --wait', async () => {
  await withTempDir(async (dir) => {
    const paths = [join(dir, 'db.lock'), join(dir, 'out', '.lock')];
    const first = await RunLock.acquire(paths, 'run-1', silentLogger);
    expect(JSON.parse(readFileSync(paths[0]!, 'utf8'))).toMatchObject({ pid: process.pid, run_id: 'run-1', host: hostname() });
    const refused = await RunLock.acquire(paths, 'run-2', silentLogger).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataError);
    expect((refused as Error).message).toContain(`another fidelio run holds ${paths[0]}: process ${process.pid}`);
    const waiting = RunLock.acquire(paths, 'run-3', silentLogger, true);
    setTimeout(() => first.release(), 300);
    const third = await waiting;
    expect(JSON.parse(readFileSync(paths[1]!, 'utf8')).run_id).toBe('run-3');
    third.release();
    expect(paths.some(existsSync)).toBe(false);
  });
});

test('a lock left by a process that no longer exists, or half written, is taken over', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'db.lock');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), run_id: 'dead', started_at: '2026-01-01T00:00:00Z' }));
    const lock = await RunLock.acquire([path], 'run-1', silentLogger);
    expect(JSON.parse(readFileSync(path, 'utf8')).run_id).toBe('run-1');
    lock.release();
    writeFileSync(path, '{"pid": 12');
    (await RunLock.acquire([path], 'run-2', silentLogger)).release();
  });
});
