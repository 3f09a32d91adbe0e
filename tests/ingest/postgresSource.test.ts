import { createReadStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateDemoData, type DemoFiles } from '../../pipeline/demo/generateDemoData.js';
import { UsageError } from '../../pipeline/errors.js';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { exportSources, parseSource, sourceName, sourceSql } from '../../pipeline/ingest/postgresSource.js';
import { silentLogger } from '../../pipeline/log.js';
import { TEST_INGEST } from '../helpers/handHistory.js';
import { startPostgres, ADMIN_PASSWORD, type TestPostgres } from '../helpers/postgres.js';
import { stagedRun } from '../helpers/stagedRun.js';
import { withDb } from '../helpers/withDb.js';

let server: TestPostgres;
let dir: string;
let files: DemoFiles;
let url: string;
const SECRET = 'r3ader-pw';

async function admin(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url('fidelio_admin', ADMIN_PASSWORD, 'shop') });
  await c.connect();
  return c;
}

beforeAll(async () => {
  server = await startPostgres();
  server.psql(['CREATE DATABASE shop', `CREATE ROLE reader LOGIN PASSWORD '${SECRET}'`]);
  server.psql([
    'CREATE SCHEMA shop',
    // The shop's own typed table, as an application would keep it.
    `CREATE TABLE shop.orders (order_id text PRIMARY KEY, customer_id text, order_ts timestamptz NOT NULL, amount numeric(12,2) NOT NULL, currency text, category text, channel text, discount_used boolean)`,
    `CREATE TABLE shop.customers (customer_id text PRIMARY KEY, signup_date date, birth_date date, country text, acquisition_channel text)`,
    `CREATE TABLE shop.tickets (ticket_id text PRIMARY KEY, customer_id text NOT NULL, opened_ts timestamptz NOT NULL, kind text, resolved boolean)`,
    `CREATE TABLE shop.referrals (referrer_id text NOT NULL, referred_id text NOT NULL, date date)`,
    // A table of text, as a careless export would leave it: the rows fidelio must reject, with reasons.
    `CREATE TABLE shop.raw_orders (n int, order_id text, customer_id text, order_ts text, amount text)`,
    'GRANT USAGE ON SCHEMA shop TO reader', 'GRANT SELECT ON ALL TABLES IN SCHEMA shop TO reader',
  ], 'shop');
  url = server.url('reader', SECRET, 'shop');
  dir = mkdtempSync(join(tmpdir(), 'fidelio-pgsrc-'));
  files = generateDemoData(dir, { customers: 800, seed: 42, months: 30 });
  const c = await admin();
  try {
    for (const kind of ['orders', 'customers', 'tickets', 'referrals'] as const) {
      await pipeline(createReadStream(files[kind]), c.query(copyFrom(`COPY shop.${kind} FROM STDIN WITH (FORMAT csv, HEADER true)`)));
    }
  } finally {
    await c.end();
  }
}, 60_000);
afterAll(() => {
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('an input entry names a table (each part quoted) or a query; the source is shown without its password', () => {
  expect(parseSource('postgres:table=shop.orders')).toEqual({ table: 'shop.orders' });
  expect(sourceSql(parseSource('postgres:table=shop.orders"; DROP TABLE x; --'))).toBe('SELECT * FROM "shop"."orders""; DROP TABLE x; --"');
  expect(sourceSql(parseSource('postgres:query=SELECT 1;'))).toBe('SELECT 1');
  expect(() => parseSource('postgres:orders')).toThrow(UsageError);
  expect(sourceName('postgres://u:pw@h:5432/shop', { table: 'shop.orders' })).toBe('postgres://u@h:5432/shop (table shop.orders)');
});

test('a PostgreSQL input without a database to read it from is a usage error', async () => {
  await expect(exportSources(undefined, ['postgres:table=shop.orders'])).rejects.toThrow(/no database is given: set ingest.postgres.url in the configuration or FIDELIO_SOURCE_POSTGRES_URL/);
});

test("the demo's orders, customers, tickets and referrals read from PostgreSQL tables publish the same scores as the same rows from their CSV files", async () => {
  const fromCsv = await stagedRun('score', { neural: false, orders: [files.orders], customers: [files.customers], tickets: [files.tickets], referrals: [files.referrals] });
  const fromPg = await stagedRun('score', {
    neural: false, orders: ['postgres:table=shop.orders'], customers: ['postgres:table=shop.customers'], tickets: ['postgres:table=shop.tickets'],
    // A query, as a shop whose referrals need a join or a filter would write it.
    referrals: ['postgres:query=SELECT referrer_id, referred_id, date AS referral_date FROM shop.referrals'], ingest: { postgres: { url } },
  });
  try {
    for (const kind of ['orders', 'customers', 'tickets', 'referrals'] as const) {
      const [a, b] = [fromCsv.state.inputs!.find((f) => f.kind === kind)!, fromPg.state.inputs!.find((f) => f.kind === kind)!];
      expect(b.path, kind).toMatch(new RegExp(`^postgres://reader@127\\.0\\.0\\.1:${server.port}/shop \\((table shop\\.${kind}|query: SELECT referrer_id.*)\\)$`));
      expect({ read: b.rows_read, accepted: b.rows_accepted, rejected: b.rows_rejected }, kind).toEqual({ read: a.rows_read, accepted: a.rows_accepted, rejected: 0 });
      expect(a.rows_accepted, kind).toBeGreaterThan(kind === 'orders' ? 4000 : 50);
    }
    expect(JSON.stringify(fromPg.state.inputs)).not.toContain(SECRET);
    const rows = async (run: typeof fromCsv, sql: string) => JSON.stringify(await run.db.all(sql), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    // Where each order came from differs (file and line, table and row); everything else is the same.
    for (const sql of ['SELECT * EXCLUDE (source_file, source_line) FROM orders ORDER BY order_id', 'SELECT * FROM customer_scores ORDER BY customer_id', 'SELECT * FROM personas ORDER BY persona_id', 'SELECT customer_id, signup_date, birth_date, country, acquisition_channel FROM customers ORDER BY customer_id', 'SELECT * FROM segment_personas ORDER BY segment, persona_id']) {
      expect(await rows(fromPg, sql), sql).toBe(await rows(fromCsv, sql));
    }
    expect(await fromPg.db.value('SELECT count(*) FROM customer_scores')).toBe(800);
  } finally {
    fromCsv.close();
    fromPg.close();
  }
}, 120_000);

test('rows read from a query go through the same validation: rejected with their reasons and row, accounted for; a hostile id arrives as data', async () => {
  const c = await admin();
  try {
    await c.query(`INSERT INTO shop.raw_orders VALUES
      (1, 'A1', 'C1', '2025-03-01 10:00:00+00', '12.50'),
      (2, 'A2', 'C1', '2025-03-02 10:00:00+00', '12,50'),
      (3, 'A3', 'C2', 'yesterday', '5.00'),
      (4, 'A4', E'C\\u0007', '2025-03-03 10:00:00+00', '7.00'),
      (5, 'A5', $1, '2025-03-04 10:00:00+00', '9.00'),
      (6, E'A6\nsecond line', 'C3', '2025-03-05 10:00:00+00', '3.00'),
      (7, 'A7', 'C3', '2025-03-06 10:00:00+00', '4.00')`, [`x'); DROP TABLE shop.orders; --`]);
  } finally {
    await c.end();
  }
  const query = 'postgres:query=SELECT order_id, customer_id, order_ts, amount FROM shop.raw_orders ORDER BY n';
  await withDb(async (db) => {
    const [ingest] = await ingestInputs(db, { orders: [query] }, { ...TEST_INGEST, postgresUrl: url }, silentLogger);
    const name = `postgres://reader@127.0.0.1:${server.port}/shop (query: SELECT order_id, customer_id, order_ts, amount FROM shop.raw_orders ORDER BY n)`;
    // A value with a line break spans two lines of the export, read as one record (RFC 4180): 7 rows over 8 lines, and the
    // id holding the line break rejected once, named by its first line.
    expect(ingest).toMatchObject({ path: name, rows_read: 7, physical_lines: 8, rows_accepted: 3, rows_rejected: 4, rows_duplicate: 0 });
    const rejected = await db.all<{ file: string; line: number; reason_class: string }>('SELECT file, line, reason_class FROM rejected_rows ORDER BY line');
    expect(rejected.map((r) => [r.file, Number(r.line), r.reason_class])).toEqual([
      [name, 3, 'amount_decimal_comma'],
      [name, 4, 'order_ts_not_a_date'],
      [name, 5, 'customer_id_control_characters'],
      [name, 7, 'order_id_control_characters'],
    ]);
    expect(await db.all('SELECT order_id, customer_id, CAST(amount AS VARCHAR) AS amount FROM orders ORDER BY order_id')).toEqual([
      { order_id: 'A1', customer_id: 'C1', amount: '12.50' },
      { order_id: 'A5', customer_id: `x'); DROP TABLE shop.orders; --`, amount: '9.00' },
      { order_id: 'A7', customer_id: 'C3', amount: '4.00' },
    ]);
  });
  expect(server.psql('SELECT count(*) FROM shop.orders', 'shop').trim()).not.toBe('0');
});

test('a wrong password or a missing table stops the ingest with the reason, the password never shown, no export left behind', async () => {
  const exports = () => readdirSync(tmpdir()).filter((n) => n.startsWith('fidelio-pg-source-')).length;
  const before = exports();
  const wrong = server.url('reader', 'guess', 'shop');
  await expect(exportSources(wrong, ['postgres:table=shop.orders'])).rejects.toThrow(/reading inputs from PostgreSQL: PostgreSQL at postgres:\/\/reader@127\.0\.0\.1:\d+\/shop refused the login: password authentication failed for user "reader"/);
  const missing = await exportSources(url, ['postgres:table=shop.nothing']).catch((e: Error) => e.message);
  expect(missing).toMatch(/^reading postgres:\/\/reader@127\.0\.0\.1:\d+\/shop \(table shop\.nothing\): PostgreSQL at .*: relation "shop\.nothing" does not exist$/);
  expect(missing).not.toContain(SECRET);
  expect(exports()).toBe(before);
});

test('files and PostgreSQL sources are read in the order given: a key both give ends as the later gives it', async () => {
  const file = join(dir, 'one-order.csv');
  writeFileSync(file, 'order_id,customer_id,order_ts,amount\nZ1,C1,2025-03-01T10:00:00Z,1.00\n');
  const source = `postgres:query=SELECT 'Z1' AS order_id, 'C1' AS customer_id, TIMESTAMPTZ '2025-03-01 10:00:00+00' AS order_ts, 2.00 AS amount`;
  for (const [orders, amount] of [[[file, source], '2.00'], [[source, file], '1.00']] as const) {
    await withDb(async (db) => {
      await ingestInputs(db, { orders: [...orders] }, { ...TEST_INGEST, postgresUrl: url }, silentLogger);
      expect(await db.value(`SELECT CAST(amount AS VARCHAR) FROM orders WHERE order_id = 'Z1'`)).toBe(amount);
    });
  }
});
