import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { differenceQueries, remember, rememberedMark, stillPublished, type PublishedMark } from '../../pipeline/publish/postgresRemembered.js';
import type { TableEntry } from '../../pipeline/shared/dataDictionary.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

// The memory of a publication on its own: what DuckDB finds changed against it, and when the server's table is trusted
// to still be what it remembers. (tests/publish/publishPostgres.test.ts holds whole publications made this way.)
let server: TestPostgres;
let c: pg.Client;
let db: Database;
const entry = {
  name: 'customers', key: ['customer_id'], meaning: 'customers', sinks: ['postgres'],
  columns: [
    { name: 'customer_id', type: 'VARCHAR', notNull: true, meaning: 'id' },
    { name: 'country', type: 'VARCHAR', meaning: 'country' },
    { name: 'email', type: 'VARCHAR', meaning: 'email' },
  ],
} as unknown as TableEntry;

beforeAll(async () => {
  server = await startPostgres();
  c = new pg.Client({ connectionString: server.adminUrl });
  await c.connect();
  db = await Database.open(':memory:');
}, 120_000);
afterAll(async () => {
  await c?.end();
  db?.close();
  server?.stop();
});

test('DuckDB finds the rows gone and the rows new or changed against what it remembers, a NULL equal to a NULL', async () => {
  await db.run(`CREATE TABLE customers AS SELECT * FROM (VALUES ('a', 'US', NULL), ('b', 'DE', 'b@x'), ('c', NULL, 'c@x'), ('d', 'FR', 'd@x')) t(customer_id, country, email)`);
  const mark: PublishedMark = { target: 'postgres://w@h:5432/db', schema: 'fidelio', xid: '1234', rows: 4 };
  expect(await rememberedMark(db, entry, mark.target, mark.schema)).toBeUndefined();
  await remember(db, entry, mark);
  expect(await rememberedMark(db, entry, mark.target, mark.schema)).toEqual(mark);
  // Another server or schema: no memory for it.
  expect(await rememberedMark(db, entry, mark.target, 'other')).toBeUndefined();
  // a unchanged (its NULL email too), b gone, c's NULL country now set, d's email changed, e new.
  await db.run(`DELETE FROM customers WHERE customer_id = 'b'`);
  await db.run(`UPDATE customers SET country = 'ES' WHERE customer_id = 'c'`);
  await db.run(`UPDATE customers SET email = 'new@x' WHERE customer_id = 'd'`);
  await db.run(`INSERT INTO customers VALUES ('e', NULL, NULL)`);
  const { gone, changed } = differenceQueries(entry);
  expect(await db.all(`${gone} ORDER BY 1`)).toEqual([{ customer_id: 'b' }]);
  expect(await db.all(`${changed} ORDER BY 1`)).toEqual([
    { customer_id: 'c', country: 'ES', email: 'c@x' },
    { customer_id: 'd', country: 'FR', email: 'new@x' },
    { customer_id: 'e', country: null, email: null },
  ]);
  // Remembering another server replaces the memory (one per table).
  await remember(db, entry, { ...mark, target: 'postgres://w@other:5432/db', rows: 4 });
  expect(await rememberedMark(db, entry, mark.target, mark.schema)).toBeUndefined();
  expect(await db.all(`${changed} ORDER BY 1`)).toEqual([]);
});

test("the server's table is trusted only while it is exactly what was committed: as many rows, none written later", async () => {
  await c.query('CREATE TABLE public.customers (customer_id text PRIMARY KEY, country text, email text)');
  await c.query('BEGIN');
  const xid = (await c.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
  await c.query(`INSERT INTO public.customers VALUES ('a', 'US', NULL), ('b', 'DE', 'b@x')`);
  await c.query('COMMIT');
  const mark: PublishedMark = { target: 't', schema: 'public', xid, rows: 2 };
  expect(await stillPublished(c, 'public', entry, mark)).toBe(true);
  // A count that is not the one remembered.
  expect(await stillPublished(c, 'public', entry, { ...mark, rows: 3 })).toBe(false);
  // A row updated by a later transaction (its xmin is newer), though the count is the same.
  await c.query(`UPDATE public.customers SET email = 'a@x' WHERE customer_id = 'a'`);
  expect(await stillPublished(c, 'public', entry, mark)).toBe(false);
  // Rows written by the remembered transaction itself, and rows older than it (frozen by VACUUM FREEZE), are trusted.
  await c.query('BEGIN');
  const xid2 = (await c.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
  await c.query(`UPDATE public.customers SET email = 'a@y' WHERE customer_id = 'a'`);
  await c.query('COMMIT');
  await c.query('VACUUM FREEZE public.customers');
  expect(await stillPublished(c, 'public', entry, { ...mark, xid: xid2 })).toBe(true);
  // A row deleted by hand: the count tells.
  await c.query(`DELETE FROM public.customers WHERE customer_id = 'b'`);
  expect(await stillPublished(c, 'public', entry, { ...mark, xid: xid2 })).toBe(false);
  // A mark from the future (another server's numbering, say) is not trusted.
  await c.query(`INSERT INTO public.customers VALUES ('b', 'DE', 'b@x')`);
  expect(await stillPublished(c, 'public', entry, { ...mark, xid: String(BigInt(xid2) + 1_000_000n) })).toBe(false);
});
