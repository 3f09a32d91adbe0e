import { copyFileSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fileDigest } from '../../pipeline/ingest/fileDigests.js';
import { sha256File } from '../../pipeline/ingest/resolveInputs.js';
import { ingestInputs, plainIngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Waits until the file system's clock has moved past what was just written (a status-change time differs from it). */
const tick = () => new Promise((r) => setTimeout(r, 20));

describe('an untouched file is recognised without reading it again', () => {
  test('read once and recorded; the same file untouched is not read again; any write, a copy or --reingest reads it', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'orders.csv', 'order_id,amount\nO1,10.00\n');
        // Times a Date can give back exactly (whole milliseconds), so that the rewrite below can restore them.
        const past = new Date(Date.now() - 120_000);
        utimesSync(path, past, past);
        // settle 0: a file written a moment ago counts as settled (the test's clock); the real margin is tested below.
        const first = await fileDigest(db, path, true, 0);
        expect(first).toEqual({ sha256: sha(path), read: true });
        expect(await fileDigest(db, path, true, 0)).toEqual({ sha256: sha(path), read: false });
        // By another name for the same file (a symbolic link): the same resolved file, not read.
        const link = join(dir, 'link.csv');
        symlinkSync(path, link);
        expect(await fileDigest(db, link, true, 0)).toEqual({ sha256: sha(path), read: false });
        // --reingest: read whatever is recorded.
        expect(await fileDigest(db, path, false, 0)).toEqual({ sha256: sha(path), read: true });

        // Rewritten in place to the same size, its modification time set back to what it was: the status-change time
        // moved, so the file is read again, and its new bytes give its new sha256.
        const { mtimeNs, size } = statSync(path, { bigint: true });
        await tick();
        writeFileSync(path, 'order_id,amount\nO1,99.00\n');
        utimesSync(path, past, past);
        expect(statSync(path, { bigint: true }).size).toBe(size);
        expect(statSync(path, { bigint: true }).mtimeNs).toBe(mtimeNs);
        const rewritten = await fileDigest(db, path, true, 0);
        expect(rewritten).toEqual({ sha256: sha(path), read: true });
        expect(rewritten.sha256).not.toBe(first.sha256);
        expect(await fileDigest(db, path, true, 0)).toEqual({ sha256: sha(path), read: false });

        // A copy (another inode) is read, and then recorded under its own path; one row per path.
        const copy = join(dir, 'copy.csv');
        copyFileSync(path, copy);
        expect(await fileDigest(db, copy, true, 0)).toEqual({ sha256: sha(path), read: true });
        expect(await db.value('SELECT count(*) FROM file_digests')).toBe(2);
      }),
    );
  });

  test('a file changed within the settle margin before its read is not recorded: it is read at every run until it settles', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'orders.csv', 'order_id,amount\nO1,10.00\n');
        expect(await fileDigest(db, path, true, 60_000)).toEqual({ sha256: sha(path), read: true });
        expect(await fileDigest(db, path, true, 60_000)).toEqual({ sha256: sha(path), read: true });
        expect(await db.value('SELECT count(*) FROM file_digests')).toBe(0);
      }),
    );
  });

  test('ingest: a file rewritten in place to the same size with its old modification time is read again, not skipped as loaded', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const header = 'order_id,customer_id,order_ts,amount,currency';
        const path = writeFile(dir, 'orders.csv', `${header}\n1,c1,2025-01-01,10.00,USD\n`);
        // Its times set two minutes back: settled, so this read records its digest.
        const past = new Date(Date.now() - 120_000);
        utimesSync(path, past, past);
        await new Promise((r) => setTimeout(r, 2100)); // the status-change time utimes set must settle too
        const options = plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z'));
        const [first] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
        expect(first).toMatchObject({ rows_read: 1, rows_new: 1 });
        expect(await db.value('SELECT sha256 FROM file_digests')).toBe(first!.sha256);
        // Untouched: skipped as loaded, from the recorded digest.
        const [again] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-2' }, silentLogger);
        expect(again!.already_loaded).toMatchObject({ run_id: 'run-1' });
        // The same size, another amount, the old modification time put back.
        writeFileSync(path, `${header}\n1,c1,2025-01-01,90.00,USD\n`);
        utimesSync(path, past, past);
        const [changed] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-3' }, silentLogger);
        expect(changed!.already_loaded).toBeUndefined();
        expect(changed).toMatchObject({ rows_read: 1, rows_updated: 1 });
        expect(changed!.sha256).toBe(sha(path));
        expect(await db.value('SELECT CAST(amount AS VARCHAR) FROM orders')).toBe('90.00');
      }),
    );
  });
});

describe('a digest read on a thread of its own', () => {
  test('is the digest read here, for an empty file and one of several megabytes; a file that cannot be read fails as here', async () => {
    await withTempDir(async (dir) => {
      const big = writeFile(dir, 'big.csv', Buffer.alloc(5 * 2 ** 20 + 17, 'order_id,amount\nO1,10.00\n'));
      const empty = writeFile(dir, 'empty.csv', '');
      for (const path of [big, empty]) {
        expect(await sha256File(path, true)).toBe(sha(path));
        expect(await sha256File(path, false)).toBe(sha(path));
      }
      expect(await sha256File(empty, true)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      await expect(sha256File(join(dir, 'missing.csv'), true)).rejects.toThrow(/ENOENT/);
    });
  });

  test('fileDigest calls back beside the hashing only when it reads the bytes', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'orders.csv', 'order_id,amount\nO1,10.00\n');
        const past = new Date(Date.now() - 120_000);
        utimesSync(path, past, past);
        let calls = 0;
        expect(await fileDigest(db, path, true, 0, () => calls++)).toEqual({ sha256: sha(path), read: true });
        expect(calls).toBe(1);
        // Recorded: not read, no call.
        expect(await fileDigest(db, path, true, 0, () => calls++)).toEqual({ sha256: sha(path), read: false });
        expect(calls).toBe(1);
      }),
    );
  });
});
