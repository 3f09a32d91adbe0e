import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { ChunkedExport, rangeBounds } from '../../pipeline/publish/chunkedExport.js';

let db: Database;
let dir: string;

beforeAll(async () => {
  db = await Database.open(':memory:');
  dir = mkdtempSync(join(tmpdir(), 'fidelio-chunks-'));
  // Ids of uneven length (C9 sorts after C10 as text), some repeated across tables, a text with a comma, quote and line end, nulls.
  await db.run(`CREATE TABLE t AS SELECT 'C' || (i * 7919 % 1000) AS customer_id, i AS n,
    CASE WHEN i % 10 = 0 THEN NULL WHEN i % 10 = 1 THEN 'a, "b"' || chr(10) || 'c' ELSE 'x' || i END AS note FROM range(1000) r(i)`);
  await db.run(`CREATE TABLE small AS SELECT i AS k FROM range(5) r(i)`);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const text = async (chunks: AsyncIterable<Buffer>) => {
  const parts: Buffer[] = [];
  for await (const b of chunks) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
};

test('bounds cut a column into ranges of about the rows asked, ascending and distinct; none when one range holds all', async () => {
  const bounds = await rangeBounds(db, 't', 'customer_id', 100);
  expect(bounds.length).toBe(9);
  expect([...bounds].sort()).toEqual(bounds);
  expect(new Set(bounds).size).toBe(bounds.length);
  // Each range holds about a tenth of the rows.
  const list = `[${bounds.map((b) => `'${b}'`).join(', ')}]`;
  const sizes = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM t GROUP BY len(list_filter(${list}, b -> t.customer_id > b))`);
  expect(sizes.length).toBe(10);
  expect(sizes.every((s) => Number(s.n) >= 90 && Number(s.n) <= 110)).toBe(true);
  expect(await rangeBounds(db, 't', 'customer_id', 1000)).toEqual([]);
});

test("read in chunks, each query's rows are the same bytes as one export in its order, and no chunk file is left", async () => {
  const bounds = await rangeBounds(db, 't', 'customer_id', 64);
  const jobs = [
    { name: 't', query: 'SELECT customer_id, n, note FROM t', orderBy: 'customer_id, n', rangeColumn: 'customer_id' },
    { name: 'small', query: 'SELECT k FROM small', orderBy: 'k' },
  ];
  const whole = join(dir, 'whole.csv');
  await db.run(`COPY (SELECT customer_id, n, note FROM t ORDER BY customer_id, n) TO '${whole}' (FORMAT csv, HEADER false)`);
  const want = (await import('node:fs')).readFileSync(whole, 'utf8');
  rmSync(whole);
  const exports = new ChunkedExport(db, jobs, bounds, dir, 2);
  expect(exports.chunkCount(0)).toBe(bounds.length + 1);
  expect(exports.chunkCount(1)).toBe(1);
  // At most two chunk files wait ahead of the reader.
  expect(readdirSync(dir).length).toBeLessThanOrEqual(2);
  expect(await text(exports.read(0))).toBe(want);
  expect(await text(exports.read(1))).toBe('0\n1\n2\n3\n4\n');
  await exports.close();
  expect(readdirSync(dir)).toEqual([]);
  expect(exports.exportSeconds(0)).toBeGreaterThan(0);
});

test('a failing export fails its reader, and close() waits for the export under way so the database is free again', async () => {
  const exports = new ChunkedExport(db, [
    { name: 'ok', query: 'SELECT k FROM small' },
    { name: 'bad', query: 'SELECT no_such_column FROM small' },
    { name: 'after', query: 'SELECT k FROM small' },
  ], [], dir);
  expect(await text(exports.read(0))).toBe('0\n1\n2\n3\n4\n');
  await expect(text(exports.read(1))).rejects.toThrow(/no_such_column/);
  await exports.close();
  expect(await db.one('SELECT 1 AS one')).toEqual({ one: 1 });
  expect(existsSync(join(dir, 'after.0.csv'))).toBe(false);
});
