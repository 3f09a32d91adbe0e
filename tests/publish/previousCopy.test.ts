import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readSql } from '../../pipeline/db/sqlFile.js';
import { recordCopy, startFromPrevious } from '../../pipeline/publish/previousCopy.js';
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
    expect(await startFromPrevious(db, published, next, COPY_TABLES)).toBe('compared');
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
    expect(await startFromPrevious(db, published, changed, COPY_TABLES)).toBeUndefined();
    expect(existsSync(changed)).toBe(false);
    expect(await db.value<number>(`SELECT count(*)::INTEGER FROM duckdb_databases() WHERE database_name = 'publication'`)).toBe(0);
    await db.run('DELETE FROM customer_scores_history');
  });
});

test('no published copy, one with a write-ahead log beside it (not closed cleanly) or a damaged one: not a base, and nothing left behind', async () => {
  const db = run.db;
  await withTempDir(async (dir) => {
    expect(await startFromPrevious(db, join(dir, 'none.duckdb'), join(dir, 'a.duckdb'), COPY_TABLES)).toBeUndefined();
    const published = join(dir, 'published.duckdb');
    await writeDatabaseCopy(db, published, 'run-1', 90);
    writeFileSync(`${published}.wal`, 'left by a killed run');
    expect(await startFromPrevious(db, published, join(dir, 'b.duckdb'), COPY_TABLES)).toBeUndefined();
    expect(existsSync(join(dir, 'b.duckdb'))).toBe(false);
    const damaged = join(dir, 'damaged.duckdb');
    writeFileSync(damaged, Buffer.concat([readFileSync(published).subarray(0, 4096), Buffer.alloc(8192, 0x5a)]));
    expect(await startFromPrevious(db, damaged, join(dir, 'c.duckdb'), COPY_TABLES)).toBeUndefined();
    expect(existsSync(join(dir, 'c.duckdb'))).toBe(false);
    expect(existsSync(join(dir, 'c.duckdb.wal'))).toBe(false);
    expect(await db.value<number>(`SELECT count(*)::INTEGER FROM duckdb_databases() WHERE database_name = 'publication'`)).toBe(0);
  });
});

test('a copy its publication recorded is known to hold the working history without reading either; touched since, or either history grown, it is read and compared', async () => {
  const db = run.db;
  await withTempDir(async (dir) => {
    // What a publication does: the copy in its release folder, this run's rows appended to the working history and the copy recorded.
    mkdirSync(join(dir, 'run-1'));
    const published = join(dir, 'run-1', 'fidelio.duckdb');
    await writeDatabaseCopy(db, published, 'run-1', 90);
    await db.run(`INSERT INTO customer_scores_history ${readSql('publish/customer_scores_history.sql')}`, { run_id: 'run-1', horizon: 90 });
    await recordCopy(db, 'run-1', published);
    const n = await db.value<number>('SELECT count(*)::INTEGER FROM customer_scores');
    expect(await db.one('SELECT release, CAST(history_rows AS INTEGER) AS rows FROM published_copy')).toEqual({ release: 'run-1', rows: n });
    const start = async (name: string) => {
      const check = await startFromPrevious(db, published, join(dir, name), COPY_TABLES);
      if (check) await db.run('DETACH publication');
      return check;
    };
    expect(await start('a.duckdb')).toBe('recorded');
    // The record names another release: read and compared (still the same rows).
    await db.run(`UPDATE published_copy SET release = 'run-0'`);
    expect(await start('b.duckdb')).toBe('compared');
    await db.run(`UPDATE published_copy SET release = 'run-1'`);
    expect(await start('c.duckdb')).toBe('recorded');
    // The file touched since it was written (opened and written by a BI tool, say): read and compared.
    const s = (await import('node:fs')).statSync(published);
    utimesSync(published, s.atime, new Date(s.mtimeMs + 5000));
    expect(await start('d.duckdb')).toBe('compared');
    await recordCopy(db, 'run-1', published);
    expect(await start('e.duckdb')).toBe('recorded');
    // One row more in the working history than recorded: read, compared, and not a base.
    await db.run(`INSERT INTO customer_scores_history SELECT * REPLACE ('run-x' AS run_id) FROM customer_scores_history LIMIT 1`);
    expect(await start('f.duckdb')).toBeUndefined();
    expect(existsSync(join(dir, 'f.duckdb'))).toBe(false);
    await db.run(`DELETE FROM customer_scores_history WHERE run_id = 'run-x'`);
    expect(await start('g.duckdb')).toBe('recorded');
    // A row of the copy deleted (the file written since): compared, and not a base.
    await db.run(`ATTACH ${"'"}${published}${"'"} AS other`);
    await db.run(`DELETE FROM other.customer_scores_history WHERE customer_id = (SELECT min(customer_id) FROM other.customer_scores_history)`);
    await db.run('DETACH other');
    expect(await start('h.duckdb')).toBeUndefined();
    await db.run('DELETE FROM customer_scores_history');
    await db.run('DROP TABLE published_copy');
  });
});
