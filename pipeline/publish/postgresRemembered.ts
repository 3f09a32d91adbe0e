/**
 * What the working database remembers of a table it last published into
 * a PostgreSQL schema (the customers' profiles, which seldom change), so
 * that the next publication sends only the rows that changed since,
 * worked out by DuckDB, instead of every row for the server to compare.
 *
 * The memory is a copy of the rows as committed, with the server's
 * transaction id of that commit and the row count. It is trusted only
 * while the server's table is still exactly that: as many rows, none
 * written by a later transaction (a row inserted or updated by anyone
 * else carries a newer xmin; a row deleted changes the count). Otherwise,
 * or with no memory, or for another server or schema, the publication
 * compares every row on the server as before. A copy is replaced in one
 * DuckDB transaction with its mark, only after the server's commit: a
 * run that stops between the two leaves a mark the server no longer
 * matches, so the next run compares every row.
 */
import type pg from 'pg';
import { literal, type Database } from '../db/Database.js';
import { pgIdent } from '../db/postgres.js';
import type { TableEntry } from '../shared/dataDictionary.js';

const MARKS = 'postgres_published_marks';
const copyOf = (entry: TableEntry) => `postgres_published_${entry.name}`;

/** Where a table was published: the server (without its password), the schema, the transaction and the rows. */
export interface PublishedMark {
  target: string;
  schema: string;
  /** txid_current() of the publishing transaction (64 bits, with its epoch). */
  xid: string;
  rows: number;
}

/** The mark DuckDB keeps for `entry` in `target`'s `schema`, if any. */
export async function rememberedMark(db: Database, entry: TableEntry, target: string, schema: string): Promise<PublishedMark | undefined> {
  if (!(await db.hasTable(MARKS)) || !(await db.hasTable(copyOf(entry)))) return undefined;
  const row = await db.one<{ xid: string; rows: number }>(
    `SELECT xid, CAST("rows" AS DOUBLE) AS "rows" FROM ${MARKS} WHERE tbl = $1 AND target = $2 AND schema_name = $3`, [entry.name, target, schema]);
  return row ? { target, schema, xid: row.xid, rows: Number(row.rows) } : undefined;
}

/**
 * Whether the server's table is still the one `mark` remembers: as many
 * rows, none written after that transaction (by xmin's age, wraparound
 * safe while fewer than 2^30 transactions passed since; more, and the
 * memory is not trusted).
 */
export async function stillPublished(client: pg.Client, schema: string, entry: TableEntry, mark: PublishedMark): Promise<boolean> {
  const res = await client.query<{ n: string; newer: boolean; since: string }>(
    `SELECT count(*) AS n,
       coalesce(bool_or(age(xmin) < age(CAST(CAST($1::bigint % 4294967296 AS text) AS xid))), false) AS newer,
       txid_current() - $1::bigint AS since
     FROM ${pgIdent(schema)}.${pgIdent(entry.name)}`, [mark.xid]);
  const r = res.rows[0]!;
  return Number(r.n) === mark.rows && !r.newer && Number(r.since) > 0 && Number(r.since) < 2 ** 30;
}

/** The DuckDB queries giving the keys gone since the remembered copy, and the rows new or changed (NULLs equal, as EXCEPT compares). */
export function differenceQueries(entry: TableEntry): { gone: string; changed: string } {
  const key = entry.key.map(pgIdent).join(', ');
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  return {
    gone: `SELECT ${key} FROM ${copyOf(entry)} EXCEPT SELECT ${key} FROM ${pgIdent(entry.name)}`,
    changed: `SELECT ${cols} FROM ${pgIdent(entry.name)} EXCEPT SELECT ${cols} FROM ${copyOf(entry)}`,
  };
}

/** After the server's commit: `entry`'s rows as published, with the commit's transaction and count, in one DuckDB transaction. */
export async function remember(db: Database, entry: TableEntry, mark: PublishedMark): Promise<void> {
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  await db.transaction(async () => {
    await db.run(`CREATE OR REPLACE TABLE ${copyOf(entry)} AS SELECT ${cols} FROM ${pgIdent(entry.name)}`);
    await db.run(`CREATE TABLE IF NOT EXISTS ${MARKS} (tbl VARCHAR NOT NULL, target VARCHAR NOT NULL, schema_name VARCHAR NOT NULL, xid VARCHAR NOT NULL, "rows" BIGINT NOT NULL)`);
    // One memory per table: publishing into another server or schema replaces it.
    await db.run(`DELETE FROM ${MARKS} WHERE tbl = ${literal(entry.name)}`);
    await db.run(`INSERT INTO ${MARKS} VALUES ($1, $2, $3, $4, $5)`, [entry.name, mark.target, mark.schema, mark.xid, mark.rows]);
  });
}
