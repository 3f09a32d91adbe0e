import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
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

/** A stale lock taken over: who held it, and when its holder was last seen alive (the lock's heartbeat). */
export interface TakenOver {
  holder: Holder;
  lastSeen: string;
}

/** How often a holder touches its locks, so that a dead run's last sign of life is known. */
const HEARTBEAT_MS = 30_000;

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
 * taken over (and logged, and reported in `takenOver` for the run to mark
 * the dead run failed). A holder touches its locks every 30 s: a stale
 * lock's time is when its holder was last seen alive. With `wait`, a run
 * waits for the holder instead of being refused.
 */
export class RunLock {
  private held: string[] = [];
  private heartbeat?: NodeJS.Timeout;
  /** The stale locks this one replaced. */
  readonly takenOver: TakenOver[] = [];

  static async acquire(paths: string[], runId: string, log: Logger, wait = false): Promise<RunLock> {
    const lock = new RunLock();
    try {
      for (const path of paths) await lock.take(path, runId, log, wait);
    } catch (err) {
      lock.release();
      throw err;
    }
    lock.heartbeat = setInterval(() => {
      const now = new Date();
      for (const path of lock.held) {
        try {
          utimesSync(path, now, now);
        } catch {
          // removed under us: the next run will say the lock was taken over
        }
      }
    }, HEARTBEAT_MS);
    lock.heartbeat.unref();
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
        if (holder && !this.takenOver.some((t) => t.holder.run_id === holder!.run_id)) {
          let lastSeen = holder.started_at;
          try {
            lastSeen = statSync(path).mtime.toISOString();
          } catch {
            // gone meanwhile: its start is the last sign of life known
          }
          this.takenOver.push({ holder, lastSeen });
        }
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
    clearInterval(this.heartbeat);
    for (const path of this.held) rmSync(path, { force: true });
    this.held = [];
  }
}
