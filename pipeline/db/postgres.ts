import pg from 'pg';
import { DataError, UsageError } from '../errors.js';

/**
 * PostgreSQL connections for the sink (publish) and the sources (ingest):
 * one client each, through node-postgres. The URL's password never leaves
 * this module: what is named (logs, manifest, errors) is `redactUrl`'s form,
 * and every error message is scrubbed of the password before it is thrown.
 */

/** The URL as it may be shown: scheme, user, host, port and database, never the password or the query. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(a URL that cannot be parsed)';
  }
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** A message with the URL's password (raw or URL-encoded) replaced by ***. */
export function scrub(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  const password = passwordOf(url);
  if (password) {
    for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join('***');
  }
  return out;
}

/** Checks that a URL is a PostgreSQL URL (exit 2 when not), without echoing it. */
export function checkUrl(url: string, where: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${where} is not a URL; expected postgres://user@host:5432/database (the password in FIDELIO_POSTGRES_URL, PGPASSWORD or ~/.pgpass)`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`${where} must start with postgres:// or postgresql://, found ${u.protocol}//`);
  }
}

/** Words for the failures a user can fix, by PostgreSQL's SQLSTATE or the socket's code. */
function explain(err: Error & { code?: string }, shown: string): string {
  const message = err.message;
  switch (err.code) {
    case '28P01':
    case '28000':
      return `PostgreSQL at ${shown} refused the login: ${message} (check the user and password: FIDELIO_POSTGRES_URL, PGPASSWORD or ~/.pgpass)`;
    case '3D000':
      return `PostgreSQL at ${shown}: ${message} (create it, or name another database in the URL)`;
    case '42501':
      return `PostgreSQL at ${shown}: ${message} (the user lacks a right it needs; docs/postgres.md lists them)`;
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach PostgreSQL at ${shown} (${err.code}): is the server running, and are the host and port right?`;
    default:
      return `PostgreSQL at ${shown}: ${message}`;
  }
}

/** A fidelio error for a PostgreSQL failure: what went wrong in words, the password scrubbed, the cause kept. */
export function postgresError(err: unknown, url: string, doing: string): DataError {
  const e = err as Error & { code?: string };
  const wrapped = new DataError(scrub(`${doing}: ${explain(e, redactUrl(url))}`, url));
  return wrapped;
}

/** Opens one client; a refused login, an unreachable server or a missing database is a DataError (exit 1) naming the server without the password. */
export async function connectPostgres(url: string, doing: string, applicationName = 'fidelio'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 15_000 });
  // An error on an idle client (the server went away) must not crash the process; the next query fails instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw postgresError(err, url, doing);
  }
  return client;
}

/** An identifier quoted for PostgreSQL. */
export function pgIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Checks before a run that the URL is a PostgreSQL URL (exit 2) and that the server takes the login (exit 1), naming neither password nor query. */
export async function probePostgres(url: string, where: string): Promise<void> {
  checkUrl(url, where);
  const client = await connectPostgres(url, `${where}: cannot publish into PostgreSQL`);
  await client.end().catch(() => undefined);
}
