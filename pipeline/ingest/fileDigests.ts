import { realpathSync, statSync } from 'node:fs';
import type { Database } from '../db/Database.js';
import { sha256File } from './resolveInputs.js';

/*
 * A file's sha256 without reading it again when nothing about the file has
 * changed since it was last read. The daily run is given the same history
 * export as the day before beside the new day's file, and reading a
 * 700 MB export only to learn that its bytes were loaded already was most
 * of that run's ingest.
 *
 * What a read recorded (file_digests) stands while the file is the same
 * file, untouched: the same resolved path, device and inode, the same size,
 * and the same modification and status-change times to the nanosecond. Any
 * write changes the status-change time (ctime), which no user can set back
 * (a modification time can be: `touch -d`), so a file rewritten in place,
 * even to the same size with its old modification time restored, is read
 * again. A digest is recorded only for a file that had settled when its read
 * began (neither time within the last SETTLE_MS), and only when its identity
 * was the same after the read as before it: a file still being written, or
 * written within a file system's time resolution of its read, is read every
 * time.
 */

/** How long a file's times must stand before its read for the digest to be recorded (coarse file-system clocks). */
export const SETTLE_MS = 2000;

/** What identifies a file as untouched: device, inode, size, modification and status-change times (nanoseconds). */
function identity(path: string): { key: string; changedMs: number } {
  const s = statSync(path, { bigint: true });
  return { key: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, changedMs: Number((s.mtimeNs > s.ctimeNs ? s.mtimeNs : s.ctimeNs) / 1_000_000n) };
}

/**
 * The sha256 of the file at `path`, and whether its bytes were read for it:
 * the digest recorded in file_digests when the file is untouched since
 * (`remembered` false: always read, as `--reingest` asks), else read from
 * the bytes and recorded for the next run when the file had settled.
 * `besideHashing`: called when the bytes are to be read, which are then read and hashed on a thread of their own
 * (sha256File) while the caller's work goes on here.
 */
export async function fileDigest(db: Database, path: string, remembered = true, settleMs = SETTLE_MS, besideHashing?: () => void): Promise<{ sha256: string; read: boolean }> {
  const resolved = realpathSync(path);
  const before = identity(resolved);
  if (remembered) {
    const known = await db.value<string | null>('SELECT max(sha256) FROM file_digests WHERE path = $path AND identity = $identity', { path: resolved, identity: before.key });
    if (known) return { sha256: known, read: false };
  }
  const started = Date.now();
  besideHashing?.();
  const sha256 = await sha256File(resolved, besideHashing !== undefined);
  if (started - before.changedMs >= settleMs && identity(resolved).key === before.key) {
    await db.transaction(async () => {
      await db.run('DELETE FROM file_digests WHERE path = $path', { path: resolved });
      await db.run('INSERT INTO file_digests VALUES ($path, $identity, $sha256, now())', { path: resolved, identity: before.key, sha256 });
    });
  }
  return { sha256, read: true };
}
