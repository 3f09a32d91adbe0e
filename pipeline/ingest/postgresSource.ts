import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { connectPostgres, pgIdent, postgresError, redactUrl } from '../db/postgres.js';
import { FidelioError, UsageError } from '../errors.js';

/*
 * Inputs read from a shop's PostgreSQL database: an input entry
 * `postgres:table=shop.orders` (a table or view, each part of its name
 * quoted as written) or `postgres:query=SELECT ...` (the operator's own
 * query, like the configuration's other SQL conditions), from the database
 * at ingest.postgres.url (or FIDELIO_SOURCE_POSTGRES_URL). Its rows are
 * exported as CSV with a header (COPY ... TO STDOUT, streamed to a
 * temporary file, in a read-only transaction), and that file goes through
 * the same reading, validation, rejects and accounting as any CSV file:
 * line n of it is row n - 1 of the result. The source is named (manifest,
 * rejected rows, logs) by its URL without the password and its table or
 * query.
 */

const PREFIX = 'postgres:';

export interface PostgresSource {
  table?: string;
  query?: string;
}

/** True for an input entry that names a PostgreSQL source rather than a file. */
export function isPostgresSource(entry: string): boolean {
  return entry.startsWith(PREFIX);
}

/** Parses `postgres:table=NAME` or `postgres:query=SQL`; anything else is a usage error. */
export function parseSource(entry: string): PostgresSource {
  const rest = entry.slice(PREFIX.length);
  if (rest.startsWith('table=') && rest.length > 'table='.length) return { table: rest.slice('table='.length).trim() };
  if (rest.startsWith('query=') && rest.trim().length > 'query='.length) return { query: rest.slice('query='.length).trim() };
  throw new UsageError(`input "${entry.slice(0, 80)}" is not a PostgreSQL source: write postgres:table=schema.table or postgres:query=SELECT ...`);
}

/** The SQL that selects a source's rows: a table's name quoted part by part, or the query as given. */
export function sourceSql(source: PostgresSource): string {
  if (source.table !== undefined) return `SELECT * FROM ${source.table.split('.').map((p) => pgIdent(p)).join('.')}`;
  return source.query!.replace(/;\s*$/, '');
}

/** How the source is named wherever a file's path would be. */
export function sourceName(url: string, source: PostgresSource): string {
  return `${redactUrl(url)} (${source.table !== undefined ? `table ${source.table}` : `query: ${source.query}`})`;
}

export interface ExportedSource {
  /** The CSV file holding the rows, with a header line. */
  path: string;
  /** The name shown for it. */
  name: string;
}

/** Exports each source's rows into a CSV file in one temporary folder; `cleanup` removes it. */
export async function exportSources(url: string | undefined, entries: string[]): Promise<{ files: ExportedSource[]; cleanup: () => void }> {
  if (entries.length === 0) return { files: [], cleanup: () => undefined };
  if (!url) throw new UsageError(`input ${entries[0]!.slice(0, 80)} reads from PostgreSQL, but no database is given: set ingest.postgres.url in the configuration or FIDELIO_SOURCE_POSTGRES_URL`);
  const sources = entries.map(parseSource);
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-pg-source-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let client: Awaited<ReturnType<typeof connectPostgres>> | undefined;
  try {
    client = await connectPostgres(url, 'reading inputs from PostgreSQL', 'fidelio-ingest');
    const files: ExportedSource[] = [];
    // Dates and times in ISO form, instants in UTC with their offset: what the CSV reading takes.
    await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 1`);
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const [i, source] of sources.entries()) {
      const name = sourceName(url, source);
      const path = join(dir, `source-${i + 1}.csv`);
      try {
        await pipeline(client.query(copyTo(`COPY (${sourceSql(source)}) TO STDOUT WITH (FORMAT csv, HEADER true)`)), createWriteStream(path));
      } catch (err) {
        throw postgresError(err, url, `reading ${name}`);
      }
      files.push({ path, name });
    }
    await client.query('COMMIT');
    return { files, cleanup };
  } catch (err) {
    cleanup();
    throw err instanceof FidelioError ? err : postgresError(err, url, 'reading inputs from PostgreSQL');
  } finally {
    await client?.end().catch(() => undefined);
  }
}
