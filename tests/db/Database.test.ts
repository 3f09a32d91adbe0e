import { describe, expect, test } from 'vitest';
import { Database, addDays, dateParam, describeOpenError, ident, literal, rowsPrintSql, shortTextKey } from '../../pipeline/db/Database.js';
import { DataError, UsageError } from '../../pipeline/errors.js';
import { join } from 'node:path';
import { withDb, withTempDir } from '../helpers/withDb.js';

describe('opening', () => {
  test("DuckDB is given the block allocator's memory and the memory limit asked for; 0 leaves DuckDB's own; a size it refuses is a usage error", async () => {
    const db = await Database.open(':memory:', { memoryLimit: '1GB', blockAllocatorMemory: '256MB' });
    try {
      expect(await db.one("SELECT current_setting('block_allocator_memory') AS kept, current_setting('memory_limit') AS limit"))
        .toEqual({ kept: '244.1 MiB', limit: '953.6 MiB' });
    } finally {
      db.close();
    }
    const none = await Database.open(':memory:', { blockAllocatorMemory: '0' });
    try {
      expect(await none.value("SELECT current_setting('block_allocator_memory')")).toBe('0 bytes');
    } finally {
      none.close();
    }
    await expect(Database.open(':memory:', { blockAllocatorMemory: 'lots' })).rejects.toThrow(UsageError);
    // More than DuckDB allows (80% of the machine's memory): said, not a database that fails to open.
    await expect(Database.open(':memory:', { blockAllocatorMemory: '1000TB' })).rejects.toThrow(/at most 80% of the machine's memory/);
  });
});

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

  test('columns longer than a chunk come back in the table\'s types: NULLs, 64-bit integers, decimals, doubles, dates, timestamps, quoted and unicode text', async () => {
    await withDb(async (db) => {
      await db.run(`CREATE TABLE t (n BIGINT, id VARCHAR, big BIGINT, amount DECIMAL(18, 2), share DOUBLE, day DATE, stamp TIMESTAMP, note VARCHAR)`);
      const rows = 5000; // two whole chunks of 2,048 rows and part of a third
      const texts = ['', "O'Brien", 'say "hi"', "it''s", 'naïve café', '東京', '😀 emoji', 'a,b;c', '=1+2', 'line\nbreak', 'Ærø\tØre'];
      const bigs = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '0', null];
      const shares = [NaN, -0, 1 / 3, 1e308, 5e-324, Infinity, -Infinity, 0.1 + 0.2];
      const n = Float64Array.from({ length: rows }, (_, i) => i);
      const id = Array.from({ length: rows }, (_, i) => (i % 7 === 3 ? null : `${texts[i % texts.length]}#${i}`));
      const big = Array.from({ length: rows }, (_, i) => bigs[i % bigs.length]!);
      const amount = Float64Array.from({ length: rows }, (_, i) => (i % 9 === 0 ? NaN : (i - 2500) / 100));
      const share = Float64Array.from({ length: rows }, (_, i) => shares[i % shares.length]!);
      const day = Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : addDays('2024-02-27', i % 400)));
      const two = (k: number) => String(k).padStart(2, '0');
      const at = Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : `${addDays('2026-03-28', i % 3)} ${two(i % 24)}:${two(i % 60)}:07.123456`));
      const note = ['only', 'two']; // shorter than the others: NULL past its end
      await db.appendColumns('t', [n, id, big, amount, share, day, at, note]);

      const back = await db.all<{ n: number; id: string | null; big: string | null; amount: string | null; share: number | null; day: string | null; at: string | null; note: string | null }>(
        `SELECT n, id, CAST(big AS VARCHAR) AS big, CAST(amount AS VARCHAR) AS amount, share, CAST(day AS VARCHAR) AS day, CAST(stamp AS VARCHAR) AS at, note FROM t ORDER BY n`);
      expect(back).toHaveLength(rows);
      back.forEach((r, i) => {
        expect(r.n).toBe(i);
        expect(r.id).toBe(id[i]);
        expect(r.big).toBe(big[i]);
        expect(r.amount).toBe(i % 9 === 0 ? null : ((i - 2500) / 100).toFixed(2));
        // toBe tells -0 from 0; NaN alone becomes NULL, the infinities stay.
        expect(r.share).toBe(Number.isNaN(share[i]) ? null : share[i]);
        expect(r.day).toBe(day[i]);
        expect(r.at).toBe(at[i]);
        expect(r.note).toBe(note[i] ?? null);
      });
      expect(await db.one('SELECT count(*) - count(id) AS id, count(*) - count(big) AS big, count(*) - count(amount) AS amount, count(*) - count(share) AS share FROM t'))
        .toEqual({
        id: id.filter((v) => v === null).length, big: big.filter((v) => v === null).length,
        amount: amount.filter(Number.isNaN).length, share: share.filter(Number.isNaN).length,
      });
      // A value of another kind in a text column is refused, not written as something else.
      await db.run('CREATE TABLE u (x DOUBLE, s VARCHAR)');
      const refused = Array.from({ length: 3000 }, (_, i) => (i === 2500 ? (42 as unknown as string) : 'fine'));
      await expect(db.appendColumns('u', [new Float64Array(3000), refused])).rejects.toThrow(/text column holds a number/);
      // Not even the first chunk, whole before the refused value, is kept.
      expect(await db.value('SELECT count(*) FROM u')).toBe(0);
    });
  });

  test('an unknown time zone is a usage error; so is a file that is not a database, named', async () => {
    await expect(Database.open(':memory:', { timezone: 'Mars/Olympus' })).rejects.toThrow(UsageError);
    await expect(Database.open('/dev/null/not-a-folder/x.duckdb')).rejects.toThrow();
    await expect(Database.open('/etc/hostname')).rejects.toThrow(new UsageError('cannot open /etc/hostname as a DuckDB database: the file exists and is not one (it does not start as a DuckDB file does); nothing was run. Point --db at a fidelio database or a new path; fidelio never writes over a file of another kind.'));
  });
});

describe('a table written with its text uncompressed', () => {
  // Rows whose ids repeat a few values (DuckDB stores those as a dictionary), distinct ids, a decimal, a list, NULLs
  // and a column of bare NULLs; more than a row group (122,880 rows), which DuckDB writes to the file as it goes.
  const query = `SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0') AS customer_id, ['low', 'medium', 'high'][1 + i % 3] AS churn_risk,
      CAST(i / 7 AS DECIMAL(18, 2)) AS spend, CASE WHEN i % 5 = 0 THEN NULL ELSE $label || i END AS note, [i, i + 1] AS pair, i * 0.5 AS half,
      NULL AS nothing
    FROM range(130000) t(i) ORDER BY i DESC`;
  const compressions = (db: Database, table: string) => db.all<{ column_name: string; compression: string }>(
    `SELECT DISTINCT column_name, compression FROM pragma_storage_info('${table}') WHERE segment_type = 'VARCHAR' ORDER BY ALL`);

  test('holds the rows, order and types CREATE TABLE AS gives, its text stored uncompressed where DuckDB would compress it', async () => {
    await withTempDir(async (dir) => {
      const db = await Database.open(join(dir, 'plain.duckdb'));
      try {
        await db.run(`CREATE TABLE chosen AS ${query}`, { label: 'n' });
        // Written, checkpointed, then replaced: the table a run replaces is in the file.
        await db.replaceTablePlainText('plain', `SELECT 1 AS customer_id`);
        await db.run('CHECKPOINT');
        await db.replaceTablePlainText('plain', query, { label: 'n' });
        await db.run('CHECKPOINT');
        expect(await db.all('DESCRIBE plain')).toEqual(await db.all('DESCRIBE chosen'));
        // Row for row, in the same order.
        const rows = (table: string) => db.all(`SELECT rowid AS at, * FROM ${table} ORDER BY rowid`);
        const plain = await rows('plain');
        expect(plain).toEqual(await rows('chosen'));
        expect(plain[0]).toMatchObject({ at: 0, customer_id: 'C129999', churn_risk: 'low', note: 'n129999', pair: [129999, 130000], nothing: null });
        expect(plain[4]).toMatchObject({ at: 4, customer_id: 'C129995', churn_risk: 'high', note: null });
        expect(await db.value("SELECT column_type FROM (DESCRIBE plain) WHERE column_name = 'nothing'")).toBe('INTEGER');
        // DuckDB's own choice compresses the text columns; the plain table's are stored as they are.
        expect((await compressions(db, 'chosen')).some((c) => c.compression !== 'Uncompressed')).toBe(true);
        expect((await compressions(db, 'plain')).map((c) => `${c.column_name}:${c.compression}`))
          .toEqual(['churn_risk:Uncompressed', 'customer_id:Uncompressed', 'note:Uncompressed']);
      } finally {
        db.close();
      }
    });
  });

  test('its query may read the table it replaces, as CREATE TABLE AS reads the table it replaces', async () => {
    await withDb(async (db) => {
      await db.replaceTablePlainText('plain', query, { label: 'n' });
      await db.replaceTablePlainText('plain', "SELECT customer_id, spend + 1 AS spend FROM plain WHERE churn_risk = 'high' UNION ALL SELECT 'new', 0");
      expect(await db.all('SELECT count(*) AS n, sum(spend) AS total FROM plain')).toEqual([{ n: 43334, total: 43333 + (await db.value<number>(`SELECT sum(CAST(i / 7 AS DECIMAL(18, 2))) FROM range(130000) t(i) WHERE i % 3 = 2`)) }]);
      expect(await db.value(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'plain%'`)).toBe(1);
    });
  });

  test('a query that fails leaves the table it would replace as it was, in its own transaction or in the caller\'s', async () => {
    await withDb(async (db) => {
      await db.replaceTablePlainText('plain', query, { label: 'n' });
      const failing = `SELECT customer_id, CAST(churn_risk AS INTEGER) AS churn_risk FROM (${query})`;
      await expect(db.replaceTablePlainText('plain', failing, { label: 'n' })).rejects.toThrow(/Conversion Error/);
      expect(await db.value('SELECT count(*) FROM plain')).toBe(130000);
      // Nothing half-written is left beside it.
      expect(await db.hasTable('plain__written')).toBe(false);
      await expect(db.transaction(() => db.replaceTablePlainText('plain', failing, { label: 'n' }, true))).rejects.toThrow(/Conversion Error/);
      expect(await db.all("SELECT count(*) AS n, count(note) AS notes, min(note) AS first FROM plain")).toEqual([{ n: 130000, notes: 104000, first: 'n1' }]);
      expect(await db.hasTable('plain__written')).toBe(false);
    });
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

  test('shared batches hold the same numbers in SharedArrayBuffers, which a worker thread reads without a copy', async () => {
    await withDb(async (db) => {
      await db.run(`CREATE TABLE t AS ${sql}`);
      const plain: Record<string, unknown>[] = [];
      for await (const batch of db.batches('SELECT * FROM t ORDER BY id', undefined, 1000)) plain.push(batch.columns);
      let k = 0;
      for await (const batch of db.batches('SELECT * FROM t ORDER BY id', undefined, 1000, true)) {
        const x = batch.columns.x as Float64Array;
        const maybe = batch.columns.maybe as Float64Array;
        expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(maybe.buffer).toBeInstanceOf(SharedArrayBuffer);
        // The texts stay plain strings.
        expect(batch.columns.id).toEqual(plain[k]!.id);
        expect(Array.from(x)).toEqual(Array.from(plain[k]!.x as Float64Array));
        expect(Array.from(maybe, String)).toEqual(Array.from(plain[k]!.maybe as Float64Array, String));
        k++;
      }
      expect(k).toBe(plain.length);
      // Posted to a thread, the column is the same memory: what the thread writes, this one reads.
      let column: Float64Array = new Float64Array(0);
      for await (const batch of db.batches('SELECT x FROM t ORDER BY id', undefined, 1000, true)) if (!column.length) column = batch.columns.x as Float64Array;
      const { Worker } = await import('node:worker_threads');
      const worker = new Worker("require('node:worker_threads').parentPort.once('message', (x) => { x[0] = 42; require('node:worker_threads').parentPort.postMessage('done'); });", { eval: true });
      await new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage(column);
      });
      await worker.terminate();
      expect(column[0]).toBe(42);
    });
  });

  test('DOUBLE columns read whole are the values the row reader gives, NULL as NaN, across chunks, slices of a mask and every double', async () => {
    await withDb(async (db) => {
      // NULLs now and then, a chunk without any, a chunk all NULL; -0, subnormals, the infinities and the largest double.
      const specials = ["'-0'", '5e-324', "'inf'", "'-inf'", '1.7976931348623157e308', '0.1 + 0.2', '-1 / 3'];
      await db.run(`CREATE TABLE d AS SELECT i,
          CASE WHEN i BETWEEN 2048 AND 4095 THEN NULL WHEN i % 5 = 1 AND i < 2048 THEN NULL
            ELSE CASE i % 9 ${specials.map((v, k) => `WHEN ${k} THEN CAST(${v} AS DOUBLE)`).join(' ')} ELSE CAST(i AS DOUBLE) / 7 END END AS v,
          CASE WHEN i % 64 = 63 THEN NULL ELSE CAST(i AS DOUBLE) END AS edge,
          CAST(i AS DOUBLE) * 1.5 AS whole
        FROM range(7000) t(i)`);
      const rows = await db.all<{ v: number | null; edge: number | null; whole: number }>('SELECT v, edge, whole FROM d ORDER BY i');
      const expected = (k: 'v' | 'edge' | 'whole') => rows.map((r) => r[k] ?? 'null');
      const asRead = (col: Float64Array | (string | null)[]) => Array.from(col as Float64Array, (x) => (Number.isNaN(x) ? 'null' : x));
      const whole = await db.columns('SELECT v, edge, whole FROM d ORDER BY i');
      for (const k of ['v', 'edge', 'whole'] as const) {
        // toEqual tells -0 from 0 (Object.is).
        expect(asRead(whole[k]!)).toEqual(expected(k));
      }
      expect(expected('v').filter((x) => x === 'null')).toHaveLength(2048 + 410);
      expect(asRead(whole.v!).slice(0, 4)).toEqual([-0, 'null', Infinity, -Infinity]);
      const batched: Record<string, (number | string)[]> = { v: [], edge: [], whole: [] };
      for await (const batch of db.batches('SELECT v, edge, whole FROM d ORDER BY i', undefined, 3000)) {
        for (const k of ['v', 'edge', 'whole']) batched[k]!.push(...asRead(batch.columns[k]!));
      }
      for (const k of ['v', 'edge', 'whole'] as const) expect(batched[k]).toEqual(expected(k));
      // Appended back whole (a column shorter than the others NULL past its end), the table holds the same.
      await db.run('CREATE TABLE back (i DOUBLE, v DOUBLE, short DOUBLE)');
      await db.appendColumns('back', [Float64Array.from({ length: 7000 }, (_, i) => i), whole.v as Float64Array, Float64Array.from([2.5, NaN, -0])]);
      const again = await db.all<{ v: number | null; short: number | null }>('SELECT v, short FROM back ORDER BY i');
      expect(again.map((r) => r.v ?? 'null')).toEqual(expected('v'));
      expect(again.slice(0, 4).map((r) => r.short)).toEqual([2.5, null, -0, null]);
      expect(await db.value('SELECT count(short) FROM back')).toBe(2);
    });
  });

  test('VARCHAR columns read whole are the texts the row reader gives: short and long, ASCII and not, repeated and not, NULL, across chunks', async () => {
    await withDb(async (db) => {
      // Texts of 0 to 13 bytes and longer, non-ASCII within and past 12 bytes (é is two bytes, the emoji four), a control
      // character and a quote; a column of few values repeated (a category), one of many (ids), NULLs and a chunk all NULL.
      const texts = ['', 'a', 'web', 'electronics', '123456789012', '1234567890123', 'a much longer text, past twelve bytes',
        'café', 'cafés-crème!', '🙂', 'x🙂y', 'ab\u0001cd', 'say "no"', 'ÉÉÉÉÉÉ', 'ÉÉÉÉÉÉÉ', '=1+1'];
      await db.run('CREATE TABLE tx (i INTEGER, few VARCHAR, many VARCHAR, sparse VARCHAR)');
      const n = 7000;
      const few = Array.from({ length: n }, (_, i) => texts[i % texts.length]!);
      const many = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? `${texts[i % texts.length]}${i}` : `C${String(i).padStart(7, '0')}`));
      const sparse = Array.from({ length: n }, (_, i) => (i >= 2048 && i < 4096) || i % 7 === 3 ? null : texts[(i * 5) % texts.length]!);
      await db.appendColumns('tx', [Float64Array.from({ length: n }, (_, i) => i), few, many, sparse]);
      const rows = await db.all<{ few: string; many: string; sparse: string | null }>('SELECT few, many, sparse FROM tx ORDER BY i');
      expect(rows.map((r) => r.few)).toEqual(few);
      expect(rows.map((r) => r.sparse)).toEqual(sparse);
      const whole = await db.columns('SELECT few, many, sparse FROM tx ORDER BY i');
      expect(whole.few).toEqual(few);
      expect(whole.many).toEqual(many);
      expect(whole.sparse).toEqual(sparse);
      const batched: Record<string, (string | null)[]> = { few: [], many: [], sparse: [] };
      for await (const batch of db.batches('SELECT few, many, sparse FROM tx ORDER BY i', undefined, 3000)) {
        for (const k of ['few', 'many', 'sparse']) batched[k]!.push(...(batch.columns[k] as (string | null)[]));
      }
      expect(batched).toEqual({ few, many, sparse });
      // Two ids whose bytes hash alike (found by a search over C0000000 to C3000000) are told apart by the bytes themselves.
      const pair = ['C0549599', 'C0712382'] as const;
      const enc = pair.map((t) => new TextEncoder().encode(t));
      expect(shortTextKey(enc[0]!, 0, 8)).toBe(shortTextKey(enc[1]!, 0, 8));
      const lookalikes = Array.from({ length: 5000 }, (_, i) => pair[i % 3 === 0 ? 0 : 1]);
      await db.run('CREATE TABLE look (k DOUBLE, v VARCHAR)');
      await db.appendColumns('look', [Float64Array.from(lookalikes, (_, i) => i), lookalikes]);
      expect((await db.columns('SELECT v FROM look ORDER BY k')).v).toEqual(lookalikes);
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

test("a table's print is the same for the same rows in any order, and another for a value changed, a row more or a row less", async () => {
  await withDb(async (db) => {
    const print = async (table: string) => db.value<string>(`SELECT ${rowsPrintSql(table, ['id', 'country', 'email'])}`);
    await db.run(`CREATE TABLE p (id VARCHAR, country VARCHAR, email VARCHAR, untouched INTEGER);
      INSERT INTO p VALUES ('C1', 'DE', 'a@x.de', 1), ('C2', NULL, 'b@x.fr', 2), ('C3', 'FR', NULL, 3);
      CREATE TABLE q AS SELECT * FROM p ORDER BY id DESC`);
    const first = await print('p');
    expect(first).toMatch(/^3:\d+$/);
    expect(await print('q')).toBe(first);
    // A column outside the print does not count; one inside does, NULL or not.
    await db.run(`UPDATE q SET untouched = 9`);
    expect(await print('q')).toBe(first);
    await db.run(`UPDATE q SET country = 'DE' WHERE id = 'C2'`);
    expect(await print('q')).not.toBe(first);
    await db.run(`UPDATE q SET country = NULL WHERE id = 'C2'`);
    expect(await print('q')).toBe(first);
    await db.run(`INSERT INTO q VALUES ('C4', 'IT', 'c@x.it', 4)`);
    expect(await print('q')).toMatch(/^4:/);
    await db.run(`DELETE FROM q WHERE id IN ('C1', 'C4')`);
    expect(await print('q')).not.toBe(first);
    await db.run('DELETE FROM q');
    expect(await print('q')).toBe('0:0');
  });
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

test('a connection beside: the tables as committed, its own transactions, the same listener; interrupted with the database; closing it leaves the database open', async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE sales AS SELECT * FROM (VALUES ('C1', 10.5), ('C2', -3.0)) v(customer_id, amount)`);
    await db.run('CREATE TEMP TABLE scratch AS SELECT 1 AS x');
    const seen: string[] = [];
    db.onQuery((sql) => seen.push(sql));
    const other = await db.beside();
    try {
      expect(await other.value('SELECT sum(amount) FROM sales')).toBe(7.5);
      await expect(other.value('SELECT x FROM scratch')).rejects.toThrow(/scratch/); // a temp table is its connection's
      // What one connection has not committed the other does not see; once committed, it does.
      await db.run('BEGIN TRANSACTION');
      await db.run(`INSERT INTO sales VALUES ('C3', 10.0)`);
      expect(await other.value('SELECT count(*) FROM sales')).toBe(2);
      await db.run('COMMIT');
      expect(await other.value('SELECT count(*) FROM sales')).toBe(3);
      // Both at once: each statement's result is its own.
      const [a, b] = await Promise.all([db.value('SELECT count(*) FROM range(3000000) WHERE range % 7 = 0'), other.value('SELECT max(customer_id) FROM sales')]);
      expect(a).toBe(428572);
      expect(b).toBe('C3');
      expect(seen).toContain('SELECT max(customer_id) FROM sales');
      // Interrupting the database stops the statement running beside it.
      const long = other.value('SELECT sum(hash(i)) FROM range(100000000000) t(i)');
      await new Promise((r) => setTimeout(r, 200));
      db.interrupt();
      await expect(long).rejects.toThrow(/interrupt/i);
    } finally {
      other.close();
    }
    expect(await db.value('SELECT count(*) FROM sales')).toBe(3);
    expect(await db.value('SELECT x FROM scratch')).toBe(1);
  });
});

test('onBeside gives the work a connection beside and closes it once the work ends or fails', async () => {
  await withDb(async (db) => {
    await db.run('CREATE TABLE t AS SELECT 41 AS x');
    let used: Database | undefined;
    expect(await db.onBeside(async (other) => {
      used = other;
      return (await other.value<number>('SELECT x + 1 FROM t'))!;
    })).toBe(42);
    await expect(used!.value('SELECT 1')).rejects.toThrow(); // closed
    await expect(db.onBeside(async (other) => {
      used = other;
      throw new Error('the work failed');
    })).rejects.toThrow('the work failed');
    await expect(used!.value('SELECT 1')).rejects.toThrow();
    // The database itself stays open.
    expect(await db.value('SELECT x FROM t')).toBe(41);
  });
});

test("dateOf gives every timestamp's calendar date in the connection's time zone, as a cast does: in UTC by arithmetic, elsewhere by the cast", async () => {
  const day = 86_400_000_000;
  // Instants around midnights before and after 1970, a leap day, the first and late years, and infinities.
  const micros = [0, -1, 1, day - 1, day, -day, -day - 1, -day + 1, 1_709_251_199_999_999, 1_709_251_200_000_000, -62_135_596_800_000_000,
    -62_135_596_800_000_000 + day - 1, 253_402_300_799_999_999, 1_785_000_000_123_456, -2_208_988_800_000_001];
  const values = micros.map((us) => `make_timestamptz(${us})`).concat(["TIMESTAMPTZ 'infinity'", "TIMESTAMPTZ '-infinity'"]);
  // And a spread of ordinary instants (every hour of two years, at an odd microsecond).
  const spread = `SELECT make_timestamptz(1_700_000_000_000_000 + i * 3_600_000_001) AS t FROM range(17_520) r(i)`;
  for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
    const db = await Database.open(':memory:', { timezone: zone });
    try {
      await db.run(`CREATE TABLE ts AS SELECT unnest([${values.join(', ')}]) AS t UNION ALL ${spread}`);
      const rows = await db.all<{ n: number; differ: number; type: string }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE (${db.dateOf('t')}) IS DISTINCT FROM CAST(t AS DATE)) AS differ, any_value(typeof(${db.dateOf('t')})) AS type FROM ts`);
      expect(rows[0]).toEqual({ n: values.length + 17_520, differ: 0, type: 'DATE' });
      // UTC's is arithmetic (no cast of a finite value), another zone's the cast itself.
      expect(db.dateOf('t').startsWith('CASE')).toBe(zone === 'UTC');
    } finally {
      db.close();
    }
  }
  // The zone matters: 02:00 UTC is the day before in New York, the same day in UTC.
  const ny = await Database.open(':memory:', { timezone: 'America/New_York' });
  const utc = await Database.open(':memory:');
  try {
    const t = "TIMESTAMPTZ '2026-03-01 02:00:00+00'";
    expect(await ny.value(`SELECT CAST(${ny.dateOf(t)} AS VARCHAR)`)).toBe('2026-02-28');
    expect(await utc.value(`SELECT CAST(${utc.dateOf(t)} AS VARCHAR)`)).toBe('2026-03-01');
  } finally {
    ny.close();
    utc.close();
  }
});
