import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readSql } from '../../pipeline/db/sqlFile.js';
import { startFromPrevious } from '../../pipeline/publish/previousCopy.js';
import { COPY_TABLES, writeDatabaseCopy } from '../../pipeline/publish/releaseFiles.js';
import { publishableRun, type StagedRun } from '../helpers/stagedRun.js';
import { withTempDir } from '../helpers/withDb.js';

// startFromPrevious on its own: when the published copy is a base to build on, and what it leaves when it is not.
// (tests/publish/releaseFiles.test.ts holds a copy built this way equal to a fresh one, table by table.)
let run: StagedRun;
beforeAll(async () => {
  run = await publishableRun();
});
afterAll(() => run.close());

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a published copy whose history is the working one is the base: attached, the history kept, every other table dropped, the published file untouched', async () => {
  const db = run.db;
  await withTempDir(async (dir) => {
    const published = join(dir, 'published.duckdb');
    await writeDatabaseCopy(db, published, 'run-1', 90);
    await db.run(`INSERT INTO customer_scores_history ${readSql('publish/customer_scores_history.sql')}`, { run_id: 'run-1', horizon: 90 });
    const before = sha(published);
    const next = join(dir, 'next.duckdb');
    expect(await startFromPrevious(db, published, next, COPY_TABLES)).toBe(true);
    try {
      expect((await db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'publication'`)).map((r) => r.t)).toEqual(['customer_scores_history']);
      expect(await db.value<number>('SELECT count(*)::INTEGER FROM publication.customer_scores_history')).toBe(await db.value<number>('SELECT count(*)::INTEGER FROM customer_scores_history'));
    } finally {
      await db.run('DETACH publication');
    }
    expect(sha(published)).toBe(before);

    // One history row changed since: not a base; nothing left at the path, nothing attached.
    await db.run(`UPDATE customer_scores_history SET churn_probability = churn_probability + 1e-9 WHERE customer_id = (SELECT min(customer_id) FROM customer_scores_history)`);
    const changed = join(dir, 'changed.duckdb');
    expect(await startFromPrevious(db, published, changed, COPY_TABLES)).toBe(false);
    expect(existsSync(changed)).toBe(false);
    expect(await db.value<number>(`SELECT count(*)::INTEGER FROM duckdb_databases() WHERE database_name = 'publication'`)).toBe(0);
    await db.run('DELETE FROM customer_scores_history');
  });
});

test('no published copy, one with a write-ahead log beside it (not closed cleanly) or a damaged one: not a base, and nothing left behind', async () => {
  const db = run.db;
  await withTempDir(async (dir) => {
    expect(await startFromPrevious(db, join(dir, 'none.duckdb'), join(dir, 'a.duckdb'), COPY_TABLES)).toBe(false);
    const published = join(dir, 'published.duckdb');
    await writeDatabaseCopy(db, published, 'run-1', 90);
    writeFileSync(`${published}.wal`, 'left by a killed run');
    expect(await startFromPrevious(db, published, join(dir, 'b.duckdb'), COPY_TABLES)).toBe(false);
    expect(existsSync(join(dir, 'b.duckdb'))).toBe(false);
    const damaged = join(dir, 'damaged.duckdb');
    writeFileSync(damaged, Buffer.concat([readFileSync(published).subarray(0, 4096), Buffer.alloc(8192, 0x5a)]));
    expect(await startFromPrevious(db, damaged, join(dir, 'c.duckdb'), COPY_TABLES)).toBe(false);
    expect(existsSync(join(dir, 'c.duckdb'))).toBe(false);
    expect(existsSync(join(dir, 'c.duckdb.wal'))).toBe(false);
    expect(await db.value<number>(`SELECT count(*)::INTEGER FROM duckdb_databases() WHERE database_name = 'publication'`)).toBe(0);
  });
});
