import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { DataError } from '../errors.js';
import type { Logger } from '../log.js';

interface Holder {
  pid: number;
  host: string;
  run_id: string;
  started_at: string;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One run at a time per database and per output folder: a lock file created
 * exclusively (O_EXCL) beside each, naming the process that holds it. A lock
 * left by a process that no longer exists on this host is stale and is
 * taken over (and logged). With `wait`, a run waits for the holder instead
 * of being refused.
 */
export class RunLock {
  private held: string[] = [];

  static async acquire(paths: string[], runId: string, log: Logger, wait = false): Promise<RunLock> {
    const lock = new RunLock();
    try {
      for (const path of paths) await lock.take(path, runId, log, wait);
    } catch (err) {
      lock.release();
      throw err;
    }
    return lock;
  }

  private async take(path: string, runId: string, log: Logger, wait: boolean): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    const me: Holder = { pid: process.pid, host: hostname(), run_id: runId, started_at: new Date().toISOString() };
    let waitedLogged = false;
    for (;;) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify(me));
        closeSync(fd);
        this.held.push(path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: Holder | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as Holder;
      } catch {
        holder = undefined; // half-written by a process killed while taking it
      }
      if (!holder || (holder.host === hostname() && !isAlive(holder.pid))) {
        log.warn({ lock: path, holder }, 'taking over a stale lock left by a process that no longer runs');
        rmSync(path, { force: true });
        continue;
      }
      const who = `process ${holder.pid} on ${holder.host} (run ${holder.run_id}, started ${holder.started_at})`;
      if (!wait) {
        throw new DataError(`another fidelio run holds ${path}: ${who}. Wait for it to finish, or run with --wait; remove the lock file only if that process is gone.`);
      }
      if (!waitedLogged) {
        log.info({ lock: path, holder }, `waiting for ${who}`);
        waitedLogged = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  release(): void {
    for (const path of this.held) rmSync(path, { force: true });
    this.held = [];
  }
}
