import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkUrl, connectPostgres, pgIdent, probePostgres, redactUrl, scrub } from '../../pipeline/db/postgres.js';
import { DataError, UsageError } from '../../pipeline/errors.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
  server.psql(`CREATE ROLE reader LOGIN PASSWORD 'p@ss:w/rd%'`);
}, 60_000);
afterAll(() => server?.stop());

test('a URL is shown without its password or query', () => {
  expect(redactUrl('postgres://bi:s3cret@db.shop.local:5433/shop?sslmode=require')).toBe('postgres://bi@db.shop.local:5433/shop');
  expect(redactUrl('postgresql://db.shop.local/shop')).toBe('postgresql://db.shop.local/shop');
  expect(redactUrl('not a url s3cret')).toBe('postgres://(a URL that cannot be parsed)');
});

test('a message loses the password in every form it may take', () => {
  const url = 'postgres://bi:p%40ss%3Aw@h/db';
  expect(scrub(`failed for ${url}: password p@ss:w, encoded p%40ss%3Aw`, url)).toBe('failed for postgres://bi@h/db: password ***, encoded ***');
});

test('a URL that is not a PostgreSQL URL is a usage error that does not echo it', () => {
  expect(() => checkUrl('mysql://u:secret@h/db', '--postgres')).toThrow(UsageError);
  expect(() => checkUrl('mysql://u:secret@h/db', '--postgres')).toThrow('--postgres must start with postgres:// or postgresql://, found mysql://');
  expect(() => checkUrl('secret', '--postgres')).toThrow(/^--postgres is not a URL/);
  expect(() => checkUrl('postgres://u:secret@h/db', '--postgres')).not.toThrow();
  expect(pgIdent('a"b')).toBe('"a""b"');
});

test('a refused login, an unknown database and an unreachable server are data errors in words, without the password', async () => {
  const good = server.url('reader', 'p@ss:w/rd%');
  const client = await connectPostgres(good, 'reading');
  expect((await client.query('SELECT current_user AS u')).rows[0].u).toBe('reader');
  await client.end();

  const wrong = server.url('reader', 'not-the-password');
  const refused = await probePostgres(wrong, 'FIDELIO_POSTGRES_URL').catch((e: Error) => e);
  expect(refused).toBeInstanceOf(DataError);
  expect((refused as Error).message).toBe(`FIDELIO_POSTGRES_URL: cannot publish into PostgreSQL: PostgreSQL at postgres://reader@127.0.0.1:${server.port}/postgres refused the login: password authentication failed for user "reader" (check the user and password: FIDELIO_POSTGRES_URL, PGPASSWORD or ~/.pgpass)`);
  expect((refused as Error).message).not.toContain('not-the-password');

  const missing = await connectPostgres(server.url('reader', 'p@ss:w/rd%', 'nowhere'), 'reading').catch((e: Error) => e);
  expect((missing as Error).message).toMatch(/database "nowhere" does not exist \(create it, or name another database in the URL\)$/);

  // A port nobody listens on: the server's, once it is known to be free, plus one is not sure; a closed low port is.
  const unreachable = await connectPostgres('postgres://reader:hidden@127.0.0.1:1/db', 'reading').catch((e: Error) => e);
  expect(unreachable).toBeInstanceOf(DataError);
  expect((unreachable as Error).message).toBe('reading: cannot reach PostgreSQL at postgres://reader@127.0.0.1:1/db (ECONNREFUSED): is the server running, and are the host and port right?');
});
