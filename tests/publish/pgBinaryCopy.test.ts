import { createReadStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { binaryCopyable, binaryCopyRows, numericBytes } from '../../pipeline/publish/pgBinaryCopy.js';
import { createTableSql } from '../../pipeline/publish/postgresTables.js';
import { DATA_DICTIONARY, type TableEntry } from '../../pipeline/shared/dataDictionary.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

/**
 * The binary COPY writer against PostgreSQL itself: the same values sent
 * once as binary (the writer) and once as CSV (DuckDB's COPY TO, parsed by
 * the server's own text input functions) must give equal rows, whatever
 * the value: NULLs beside empty texts, NaN and infinities, the largest
 * integers, dates before 2000 and after 2038, instants with fractions of a
 * second, accents and emoji, numerics of every sign, size and scale.
 */
let server: TestPostgres;
let c: pg.Client;
let db: Database;

const entry: TableEntry = {
  name: 'awkward',
  key: ['id'],
  meaning: 'values at the edges of every type the writer encodes',
  sinks: ['postgres'],
  columns: [
    { name: 'id', type: 'INTEGER', notNull: true, meaning: 'row' },
    { name: 't', type: 'VARCHAR', meaning: 'text' },
    { name: 'd', type: 'DOUBLE', meaning: 'double' },
    { name: 'b', type: 'BIGINT', meaning: 'bigint' },
    { name: 'f', type: 'BOOLEAN', meaning: 'flag' },
    { name: 'day', type: 'DATE', meaning: 'day' },
    { name: 'stamp', type: 'TIMESTAMP WITH TIME ZONE', meaning: 'instant' },
    { name: 'money', type: 'DECIMAL(38,2)', meaning: 'decimal' },
    { name: 'big', type: 'HUGEINT', meaning: 'hugeint' },
  ],
} as unknown as TableEntry;

const ROWS = `
  (1, 'plain', 0.1, 0, true, DATE '2000-01-01', TIMESTAMPTZ '2000-01-01 00:00:00+00', 0.00, 0),
  (2, '', -0.0, -1, false, DATE '1999-12-31', TIMESTAMPTZ '1969-07-20 20:17:40.5+00', -0.01, -1),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 'Zoë Ångström; "quoted", comma', 'NaN'::DOUBLE, 9223372036854775807, true, DATE '1900-02-28', TIMESTAMPTZ '2038-01-19 03:14:08.123456+00', 123456789012345678901234567890123456.78, 170141183460469231731687303715884105727),
  (5, 'emoji 🎉 and a
newline', 'Infinity'::DOUBLE, -9223372036854775808, false, DATE '2262-04-11', TIMESTAMPTZ '2026-09-30 23:59:59.999999+00', -10000.00, -170141183460469231731687303715884105727),
  (6, '=SUM(A1)', -1.7976931348623157e308, 42, true, DATE '2026-02-28', TIMESTAMPTZ '2026-03-29 01:30:00+00', 10000.50, 10000),
  (7, repeat('x', 100000), 5e-324, 100000000, false, DATE '1970-01-01', TIMESTAMPTZ '1970-01-01 00:00:00+00', 0.10, 100000000),
  (8, 'latin-1 é', '-Infinity'::DOUBLE, 1, true, DATE '2024-02-29', TIMESTAMPTZ '2024-02-29 12:00:00+00', 99999999.99, 99999999)`;

beforeAll(async () => {
  server = await startPostgres();
  c = new pg.Client({ connectionString: server.adminUrl });
  await c.connect();
  db = await Database.open(':memory:', { timezone: 'UTC' });
  await db.run(`CREATE TABLE awkward (${entry.columns.map((col) => `${col.name} ${col.type}`).join(', ')})`);
  await db.run(`INSERT INTO awkward VALUES ${ROWS}`);
  // Many rows too, across DuckDB's chunks of 2,048 and the writer's pieces of 1 MiB.
  await db.run(`INSERT INTO awkward SELECT 100 + i, 'row ' || i || repeat('·', i % 300), i / 7.0, i * 1000003, i % 3 = 0, DATE '2026-01-01' + CAST(i % 900 AS INTEGER),
    TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_microseconds(i * 1234567), CAST(i AS DECIMAL(38,2)) / 100 - 250, i * i FROM range(30000) t(i)`);
  await c.query('SET TimeZone = UTC');
}, 120_000);
afterAll(async () => {
  await c?.end();
  db?.close();
  server?.stop();
});

test('every published table but the run (its manifest is jsonb, inserted) is written as binary', () => {
  const notBinary = DATA_DICTIONARY.filter((t) => t.sinks.includes('postgres') && !binaryCopyable(t)).map((t) => t.name);
  expect(notBinary).toEqual(['runs']);
});

test('numerics in base 10,000 around the point, as PostgreSQL lays them out', () => {
  // 12345.67: groups 1 | 2345 . 6700, weight 1, scale 2.
  expect([...numericBytes(1234567n, 2)]).toEqual([0, 3, 0, 1, 0, 0, 0, 2, 0, 1, 0x09, 0x29, 0x1a, 0x2c]);
  // -0.01: one group 100 at weight -1, negative.
  expect([...numericBytes(-1n, 2)]).toEqual([0, 1, 0xff, 0xff, 0x40, 0, 0, 2, 0, 100]);
  // Zero: no groups, positive, its scale kept.
  expect([...numericBytes(0n, 2)]).toEqual([0, 0, 0, 0, 0, 0, 0, 2]);
  // 10000 (a HUGEINT): one group 1 at weight 1, the zero group after it dropped.
  expect([...numericBytes(10000n, 0)]).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
});

test('the binary rows equal the same rows parsed from CSV by the server, value for value', async () => {
  for (const name of ['awkward_binary', 'awkward_csv']) await c.query(createTableSql('public', { ...entry, name }));
  const binary = c.query(copyFrom(`COPY awkward_binary FROM STDIN WITH (FORMAT binary)`));
  await pipeline(Readable.from(binaryCopyRows(db, entry, 'SELECT * FROM awkward', 'id')), binary);
  expect(Number(binary.rowCount)).toBe(30008);
  const file = join(tmpdir(), `awkward-${process.pid}.csv`);
  await db.run(`COPY (SELECT * FROM awkward ORDER BY id) TO '${file}' (FORMAT csv, HEADER false)`);
  const text = c.query(copyFrom(`COPY awkward_csv FROM STDIN WITH (FORMAT csv)`));
  await pipeline(createReadStream(file), text);
  rmSync(file);
  // Every column compared with IS NOT DISTINCT FROM (NULL = NULL; NaN = NaN in PostgreSQL), and the text form too.
  const differ = await c.query(`SELECT a.id FROM awkward_binary a FULL JOIN awkward_csv b ON a.id = b.id
    WHERE ${entry.columns.map((col) => `a.${col.name} IS DISTINCT FROM b.${col.name} OR a.${col.name}::text IS DISTINCT FROM b.${col.name}::text`).join(' OR ')}`);
  expect(differ.rows).toEqual([]);
  // And what the edges read back as, from the binary table.
  const edges = (await c.query({ text: `SELECT t, d::text, b::text, f::text, day::text, stamp::text, money::text, big::text FROM awkward_binary WHERE id <= 8 ORDER BY id`, rowMode: 'array' })).rows;
  expect(edges[1]).toEqual(['', '0', '-1', 'false', '1999-12-31', '1969-07-20 20:17:40.5+00', '-0.01', '-1']);
  expect(edges[2]).toEqual([null, null, null, null, null, null, null, null]);
  expect(edges[3]).toEqual(['Zoë Ångström; "quoted", comma', 'NaN', '9223372036854775807', 'true', '1900-02-28', '2038-01-19 03:14:08.123456+00', '123456789012345678901234567890123456.78', '170141183460469231731687303715884105727']);
  expect(edges[4]!.slice(1)).toEqual(['Infinity', '-9223372036854775808', 'false', '2262-04-11', '2026-09-30 23:59:59.999999+00', '-10000.00', '-170141183460469231731687303715884105727']);
  expect(edges[4]![0]).toBe('emoji 🎉 and a\nnewline');
  expect(edges[6]![0]).toHaveLength(100000);
});

test('a value the server refuses fails the COPY, and DuckDB is free again', async () => {
  await c.query(createTableSql('public', { ...entry, name: 'awkward_strict', columns: entry.columns.map((col) => (col.name === 't' ? { ...col, notNull: true } : col)) } as TableEntry));
  const stream = c.query(copyFrom(`COPY awkward_strict FROM STDIN WITH (FORMAT binary)`));
  await expect(pipeline(Readable.from(binaryCopyRows(db, entry, 'SELECT * FROM awkward', 'id')), stream)).rejects.toThrow(/null value in column "t"/);
  expect(await db.value<number>('SELECT count(*)::INTEGER FROM awkward')).toBe(30008);
});
