import { describe, expect, test } from 'vitest';
import { Database, addDays, dateParam, describeOpenError, ident, literal } from '../../pipeline/db/Database.js';
import { DataError, UsageError } from '../../pipeline/errors.js';
import { withDb } from '../helpers/withDb.js';

describe('values and identifiers', () => {
  test('literals and identifiers are quoted so that their text cannot end the quote', async () => {
    expect(literal("it's")).toBe("'it''s'");
    expect(ident('a"b')).toBe('"a""b"');
    await withDb(async (db) => {
      expect(await db.value(`SELECT ${literal("'); DROP TABLE orders; --")} AS v`)).toBe("'); DROP TABLE orders; --");
      await db.run(`CREATE TABLE ${ident('we"ird')} (x INTEGER); INSERT INTO ${ident('we"ird')} VALUES (1)`);
      expect(await db.value(`SELECT count(*) FROM ${ident('we"ird')}`)).toBe(1);
    });
  });

  test('rows come back as plain values: BIGINT as number, DATE as YYYY-MM-DD; dates are bound as DATE', async () => {
    await withDb(async (db) => {
      expect(await db.one(`SELECT CAST(5 AS BIGINT) AS n, DATE '2025-01-31' AS d, $1 + 1 AS next`, [dateParam('2025-02-28')]))
        .toEqual({ n: 5, d: '2025-01-31', next: '2025-03-01' });
    });
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(() => dateParam('not a date')).toThrow(/not a date/);
  });

  test('a transaction commits when its body returns and rolls back when it throws', async () => {
    await withDb(async (db) => {
      await db.run('CREATE TABLE t (x INTEGER)');
      await db.transaction(() => db.run('INSERT INTO t VALUES (1)'));
      await expect(db.transaction(async () => {
        await db.run('INSERT INTO t VALUES (2)');
        throw new Error('stop');
      })).rejects.toThrow('stop');
      expect(await db.all('SELECT x FROM t')).toEqual([{ x: 1 }]);
    });
  });

  test('whole columns are appended through the appender, NaN as NULL', async () => {
    await withDb(async (db) => {
      await db.run('CREATE TABLE t (id VARCHAR, v DOUBLE)');
      await db.appendColumns('t', [['a', 'b', null], Float64Array.from([1.5, NaN, 3])]);
      expect(await db.all('SELECT * FROM t ORDER BY v NULLS FIRST')).toEqual([{ id: 'b', v: null }, { id: 'a', v: 1.5 }, { id: null, v: 3 }]);
    });
  });

  test('an unknown time zone is a usage error; so is a file that is not a database, named', async () => {
    await expect(Database.open(':memory:', { timezone: 'Mars/Olympus' })).rejects.toThrow(UsageError);
    await expect(Database.open('/dev/null/not-a-folder/x.duckdb')).rejects.toThrow();
    await expect(Database.open('/etc/hostname')).rejects.toThrow(new UsageError('cannot open /etc/hostname as a DuckDB database: the file exists and is not one (it does not start as a DuckDB file does); nothing was run. Point --db at a fidelio database or a new path; fidelio never writes over a file of another kind.'));
  });
});

describe('columns and batches', () => {
  const sql = `SELECT 'c' || lpad(CAST(i AS VARCHAR), 5, '0') AS id, CAST(i AS DOUBLE) / 7 AS x, CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS maybe
    FROM range(5000) t(i) ORDER BY id`;

  test('batches give the same columns as one read, a batch at a time', async () => {
    await withDb(async (db) => {
      await db.run(`CREATE TABLE t AS ${sql}`);
      const whole = await db.columns('SELECT * FROM t ORDER BY id');
      const sizes: number[] = [];
      const ids: (string | null)[] = [];
      const x: number[] = [];
      const maybe: number[] = [];
      for await (const batch of db.batches('SELECT * FROM t ORDER BY id', undefined, 1000)) {
        sizes.push(batch.n);
        ids.push(...(batch.columns.id as string[]));
        x.push(...(batch.columns.x as Float64Array));
        maybe.push(...(batch.columns.maybe as Float64Array));
      }
      expect(sizes.length).toBeGreaterThan(1);
      expect(sizes.slice(0, -1).every((n) => n >= 1000)).toBe(true);
      expect(ids).toEqual(whole.id);
      expect(x).toEqual(Array.from(whole.x as Float64Array));
      // NULL numbers come back as NaN in both.
      expect(maybe.map((v) => (Number.isNaN(v) ? 'null' : v))).toEqual(Array.from(whole.maybe as Float64Array, (v) => (Number.isNaN(v) ? 'null' : v)));
    });
  });

  test('a numeric column of NULLs is numbers (NaN), in one read as in batches, so training and scoring see it alike', async () => {
    await withDb(async (db) => {
      const q = `SELECT CAST(NULL AS DOUBLE) AS never, CAST(NULL AS VARCHAR) AS label FROM range(3)`;
      const whole = await db.columns(q);
      expect(whole.never).toBeInstanceOf(Float64Array);
      expect(Array.from(whole.never as Float64Array).every(Number.isNaN)).toBe(true);
      expect(whole.label).toEqual([null, null, null]);
      for await (const batch of db.batches(q)) {
        expect(batch.columns.never).toBeInstanceOf(Float64Array);
        expect(batch.columns.label).toEqual([null, null, null]);
      }
    });
  });
});

test('a lock is told as a lock, a corrupt file as a corrupt file (its checksum error speaks of a "block")', () => {
  const locked = describeOpenError('f.duckdb', new Error('IO Error: Could not set lock on file "f.duckdb": Conflicting lock is held in /usr/bin/node (PID 4242)'));
  expect(locked).toMatch(/^database f\.duckdb is locked by another process .* fidelio list --db <out>\/fidelio\.duckdb\)\.$/);
  const corrupt = describeOpenError('f.duckdb', new Error('IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2 in block at location 262144'));
  expect(corrupt).toMatch(/^cannot open f\.duckdb as a DuckDB database: .*checksum.*Point --db at a fidelio database or a new path\.$/);
  expect(corrupt).not.toMatch(/locked/);
});

test('hasTable says whether a table of that name exists', async () => {
  await withDb(async (db) => {
    expect(await db.hasTable('orders')).toBe(true);
    expect(await db.hasTable('no_such_table')).toBe(false);
    await db.run('CREATE TEMP TABLE scratch (x INTEGER)');
    expect(await db.hasTable('scratch')).toBe(true);
  });
});

test('an existing file that is not a DuckDB database is refused (a usage error, the file untouched); a new path is created; a damaged DuckDB file is a data error', async () => {
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-foreign-'));
  try {
    const csv = join(dir, 'scores.csv');
    writeFileSync(csv, 'customer_id,score\nC1,0.5\n');
    // DuckDB itself opens a CSV path as an in-memory view: fidelio must not run on it.
    const refused = await Database.open(csv).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe(`cannot open ${csv} as a DuckDB database: the file exists and is not one (it does not start as a DuckDB file does); nothing was run. Point --db at a fidelio database or a new path; fidelio never writes over a file of another kind.`);
    expect(readFileSync(csv, 'utf8')).toBe('customer_id,score\nC1,0.5\n');
    const empty = join(dir, 'empty.duckdb');
    writeFileSync(empty, '');
    await expect(Database.open(empty, { readOnly: true })).rejects.toThrow('(it is empty)');
    const fresh = await Database.open(join(dir, 'new', 'f.duckdb'));
    await fresh.run('CREATE TABLE t AS SELECT 1 AS x');
    fresh.close();
    // A real DuckDB file, its first block kept and the rest damaged: DuckDB's own error, a data error.
    const real = join(dir, 'new', 'f.duckdb');
    const bytes = readFileSync(real);
    bytes.fill(7, 4096);
    const damaged = join(dir, 'damaged.duckdb');
    writeFileSync(damaged, bytes);
    const broken = await Database.open(damaged).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(DataError);
    expect((broken as Error).message).toContain(`cannot open ${damaged} as a DuckDB database`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
