import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { literal, type Database } from '../db/Database.js';
import { connectPostgres, pgIdent, postgresError, redactUrl } from '../db/postgres.js';
import type { Logger } from '../log.js';
import { DATA_DICTIONARY, tableEntry, type TableEntry } from '../shared/dataDictionary.js';
import { binaryCopyRows } from './pgBinaryCopy.js';
import { differenceQueries, remember, rememberedMark, stillPublished } from './postgresRemembered.js';
import { APPENDED, commentSql, createIndexSql, createTableSql, dropIndexSql, indexName, indexSql, PG_INDEXES, pgTables, pgType, primaryKeySql, RETIRED_INDEXES } from './postgresTables.js';

export interface PostgresTarget {
  /** postgres://user[:password]@host:port/database (the password may come from PGPASSWORD or ~/.pgpass instead). */
  url: string;
  schema: string;
  /** How long the switch waits for a lock a reader or another writer holds before failing. */
  lockTimeoutSeconds: number;
}

export interface PostgresRun {
  runId: string;
  asOf: string;
  horizonDays: number;
  startedAt: string;
  modelVersion: string;
  currency: string;
  metrics: unknown;
  /** The run manifest as published (run_manifest.json). */
  manifest: unknown;
}

/** Tables given their rows by INSERT (the figures, the run; this run's history from the scores just loaded), not copied from DuckDB. */
const INSERTED = new Set(['model_metrics', 'runs', 'customer_scores_history']);

/**
 * This run's history rows, made by the server from the scores it was just
 * given (publish/customer_scores_history.sql makes the same rows in DuckDB:
 * the run, the horizon, and the columns of customer_scores it keeps, by
 * name), so that a million rows are not exported and parsed a second time;
 * unsorted (the scores were just copied in key order, and a sort of a
 * million rows is time the publication does not need).
 */
export function historyFromScoresSql(schema: string, history: TableEntry, scores: TableEntry): string {
  const have = new Set(scores.columns.map((c) => c.name));
  const select = history.columns.map((c) => {
    if (c.name === 'run_id') return 'CAST($1 AS text)';
    if (c.name === 'horizon_days') return 'CAST($2 AS integer)';
    if (!have.has(c.name)) throw new Error(`customer_scores_history.${c.name} is not a column of customer_scores: say how PostgreSQL makes it`);
    return pgIdent(c.name);
  });
  return `INSERT INTO ${pgIdent(schema)}.${pgIdent(history.name)} (${history.columns.map((c) => pgIdent(c.name)).join(', ')})
    SELECT ${select.join(', ')} FROM ${pgIdent(schema)}.${pgIdent(scores.name)}`;
}

/** What was published, for the manifest and the log. */
export interface PostgresPublished {
  target: string;
  schema: string;
  /** Each table's rows and seconds (the COPY with its indexes, DuckDB's reading and encoding of the rows beside it); for a table replaced by its difference, the rows deleted, inserted or updated, and who found them (DuckDB against its memory of the last publication, or the server comparing every row). */
  tables: { table: string; rows: number; changed?: number; compared_by?: 'duckdb' | 'server'; copy_seconds?: number }[];
  seconds: number;
}

const roundSeconds = (ms: number) => Math.round(ms / 10) / 100;

/** The SELECT giving a table's rows for this run from DuckDB, and their order (the key's). */
function source(entry: TableEntry, runId: string): { query: string; orderBy?: string } {
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  if (entry.name === 'rejected_rows') return { query: `SELECT ${cols} FROM rejected_rows WHERE run_id = ${literal(runId)}`, orderBy: 'kind, file, line' };
  return { query: `SELECT ${cols} FROM ${pgIdent(entry.name)}`, orderBy: entry.key.length ? entry.key.map(pgIdent).join(', ') : undefined };
}

/** The backtest figures as rows: every leaf of model_metrics.json by its path, numbers in `value`, texts and flags in `text_value`. */
export function metricRows(metrics: unknown): { metric: string; value: number | null; text: string | null }[] {
  const rows: { metric: string; value: number | null; text: string | null }[] = [];
  const walk = (v: unknown, path: string) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, path ? `${path}.${k}` : k);
    else if (typeof v === 'number') rows.push({ metric: path, value: Number.isFinite(v) ? v : null, text: Number.isFinite(v) ? null : String(v) });
    else rows.push({ metric: path, value: null, text: String(v) });
  };
  walk(metrics, '');
  return rows;
}

/** The columns a table has in PostgreSQL now, as "name type" in order (empty when it does not exist). */
async function existingColumns(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const res = await client.query<{ c: string }>(
    `SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return res.rows.map((r) => r.c);
}

/**
 * Makes sure `entry`'s table exists with the declared columns. A replaced
 * table of another shape (an older fidelio's) is made again; an appended
 * one (the history, the figures, the runs) is never dropped: a shape it
 * does not have stops the publication, naming the difference.
 */
async function ensureTable(client: pg.Client, schema: string, entry: TableEntry): Promise<'kept' | 'created'> {
  const wanted = entry.columns.map((c) => `${c.name} ${pgType(c)}`);
  const found = await existingColumns(client, schema, entry.name);
  if (found.length && found.join(',') === wanted.join(',')) return 'kept';
  if (found.length) {
    if (APPENDED.has(entry.name)) {
      throw new Error(`${schema}.${entry.name} has the columns (${found.join(', ')}), not the ones this fidelio publishes (${wanted.join(', ')}); rename the table to keep its rows and run again`);
    }
    await client.query(`DROP TABLE ${pgIdent(schema)}.${pgIdent(entry.name)}`);
  }
  await client.query(createTableSql(schema, entry));
  return 'created';
}

/** The key and the indexes of a table made in this transaction: built once its rows are in, faster than kept up row by row. */
async function addKeys(client: pg.Client, schema: string, entry: TableEntry): Promise<void> {
  for (const sql of [...primaryKeySql(schema, entry), ...createIndexSql(schema, entry)]) await client.query(sql);
}

/**
 * Brings the indexes of tables an earlier publication made to this
 * version's, once the publication is committed: the declared ones it
 * lacks are built, then the ones this version no longer keeps
 * (RETIRED_INDEXES) dropped, each CONCURRENTLY (readers never blocked)
 * and bounded by the lock timeout. One that cannot be built or dropped
 * now is said and done by a later run; the publication stands either way.
 */
async function reconcileIndexes(client: pg.Client, target: PostgresTarget, entries: readonly TableEntry[], created: ReadonlySet<string>, log: Logger): Promise<void> {
  const present = new Set((await client.query<{ i: string }>('SELECT indexname AS i FROM pg_indexes WHERE schemaname = $1', [target.schema])).rows.map((r) => r.i));
  const work = entries.flatMap((entry) => [
    ...(created.has(entry.name) ? [] : (PG_INDEXES[entry.name] ?? []).map((index) => ({ name: indexName(entry.name, index), build: true, sql: indexSql(target.schema, entry.name, index, { concurrently: true }) }))
      .filter((w) => !present.has(w.name))),
    ...(RETIRED_INDEXES[entry.name] ?? []).map((index) => indexName(entry.name, index)).filter((name) => present.has(name))
      .map((name) => ({ name, build: false, sql: dropIndexSql(target.schema, name, { concurrently: true }) })),
  ]);
  if (!work.length) return;
  await client.query(`SET lock_timeout = '${Math.round(target.lockTimeoutSeconds * 1000)}ms'`);
  for (const { name, build, sql } of work) {
    try {
      await client.query(sql);
      log.info({ schema: target.schema, index: name }, build ? 'built an index this version keeps' : 'dropped an index this version no longer keeps (PostgreSQL does not use it; it slowed every publication)');
    } catch (err) {
      // A CONCURRENTLY build that fails leaves an invalid index of that name: dropped, so that a later run builds it again.
      if (build) await client.query(dropIndexSql(target.schema, name, { concurrently: true })).catch(() => undefined);
      log.warn({ schema: target.schema, index: name, err: (err as Error).message }, 'could not bring an index to this version now; a later run will');
    }
  }
}

/** Replaced tables whose rows seldom change between runs (the customers' profiles): only the rows that changed are written. */
const DIFFED = new Set(['customers']);

/**
 * Replaces `entry`'s rows with the streamed ones, writing only the
 * difference: the new rows go into a staging table (unlogged, made and
 * dropped inside the publication's transaction, so no one sees it), then
 * the rows gone are deleted, the new ones inserted and the changed ones
 * updated, by the key. The same rows as DELETE and COPY would leave, with
 * a fraction of the writes, the WAL and the dead rows when little changed.
 */
async function replaceChanged(client: pg.Client, schema: string, entry: TableEntry, rows: AsyncIterable<Buffer>): Promise<{ rows: number; changed: number }> {
  const table = `${pgIdent(schema)}.${pgIdent(entry.name)}`;
  const staging = { ...entry, name: `${entry.name}_publishing` };
  const staged = `${pgIdent(schema)}.${pgIdent(staging.name)}`;
  await client.query(`DROP TABLE IF EXISTS ${staged}`);
  await client.query(createTableSql(schema, staging, { unlogged: true }));
  const n = await copyRows(client, schema, staging, rows);
  for (const sql of primaryKeySql(schema, staging)) await client.query(sql);
  const key = entry.key.map(pgIdent);
  const rest = entry.columns.map((c) => pgIdent(c.name)).filter((c) => !key.includes(c));
  const on = key.map((k) => `t.${k} = s.${k}`).join(' AND ');
  const gone = await client.query(`DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM ${staged} s WHERE ${on})`);
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  const update = rest.length
    ? `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')} WHERE (${rest.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(', ')})`
    : 'DO NOTHING';
  const upserted = await client.query(`INSERT INTO ${table} AS t (${cols}) SELECT ${cols} FROM ${staged} ORDER BY ${key.join(', ')}
    ON CONFLICT (${key.join(', ')}) ${update}`);
  await client.query(`DROP TABLE ${staged}`);
  return { rows: n, changed: (gone.rowCount ?? 0) + (upserted.rowCount ?? 0) };
}

/**
 * Applies the difference DuckDB worked out against its memory of the
 * last publication (publish/postgresRemembered.ts): the keys gone and
 * the rows new or changed go into unlogged staging tables made and
 * dropped inside the transaction; the rows gone or changed are deleted
 * and the new versions inserted, by the key. Only those rows are written;
 * every other row stays the one an earlier publication wrote.
 */
async function applyDifference(client: pg.Client, db: Database, schema: string, entry: TableEntry, before: number): Promise<{ rows: number; changed: number }> {
  const table = `${pgIdent(schema)}.${pgIdent(entry.name)}`;
  const { gone, changed } = differenceQueries(entry);
  const keyEntry = { ...entry, name: `${entry.name}_gone`, columns: entry.columns.filter((c) => entry.key.includes(c.name)) };
  const staging = { ...entry, name: `${entry.name}_publishing` };
  const key = entry.key.map(pgIdent);
  const on = (a: string, b: string) => key.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
  for (const e of [keyEntry, staging]) {
    await client.query(`DROP TABLE IF EXISTS ${pgIdent(schema)}.${pgIdent(e.name)}`);
    await client.query(createTableSql(schema, e, { unlogged: true }));
  }
  await copyRows(client, schema, keyEntry, binaryCopyRows(db, keyEntry, gone));
  await copyRows(client, schema, staging, binaryCopyRows(db, staging, changed));
  const removed = await client.query(`DELETE FROM ${table} t USING ${pgIdent(schema)}.${pgIdent(keyEntry.name)} g WHERE ${on('t', 'g')}`);
  const replaced = await client.query(`DELETE FROM ${table} t USING ${pgIdent(schema)}.${pgIdent(staging.name)} s WHERE ${on('t', 's')}`);
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  const inserted = await client.query(`INSERT INTO ${table} (${cols}) SELECT ${cols} FROM ${pgIdent(schema)}.${pgIdent(staging.name)} ORDER BY ${key.join(', ')}`);
  for (const e of [keyEntry, staging]) await client.query(`DROP TABLE ${pgIdent(schema)}.${pgIdent(e.name)}`);
  // The rows now: the count the memory was checked against, less those deleted, plus those inserted.
  const rows = before - (removed.rowCount ?? 0) - (replaced.rowCount ?? 0) + (inserted.rowCount ?? 0);
  return { rows, changed: (removed.rowCount ?? 0) + (inserted.rowCount ?? 0) };
}

/** Streams binary COPY bytes (publish/pgBinaryCopy.ts) into a table (memory stays flat whatever the size). */
async function copyRows(client: pg.Client, schema: string, entry: TableEntry, rows: AsyncIterable<Buffer>): Promise<number> {
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  const stream = client.query(copyFrom(`COPY ${pgIdent(schema)}.${pgIdent(entry.name)} (${cols}) FROM STDIN WITH (FORMAT binary)`));
  await pipeline(Readable.from(rows), stream);
  return Number(stream.rowCount);
}

/**
 * Publishes the run's tables into a PostgreSQL schema, atomically for
 * readers: every table is loaded and switched within ONE transaction
 * (the replaced tables emptied with DELETE and filled with COPY, the
 * appended ones given this run's rows, the run's row last), so a reader
 * sees the previous publication or this one, never a mix, and a reader
 * in a repeatable-read transaction keeps its snapshot whole. DELETE and
 * COPY take row locks only, so readers are never blocked. A run that
 * fails or is killed before the COMMIT leaves the previous publication:
 * the server rolls the transaction back when its connection ends.
 * Each table's rows stream from a DuckDB query of their own to COPY ...
 * FROM STDIN in PostgreSQL's binary format (publish/pgBinaryCopy.ts):
 * DuckDB reads the next rows while the server stores the last, nothing
 * goes through a file, and memory holds one piece of about 1 MiB; this
 * run's history rows are made by the server from the scores it was just
 * given; a table made in this transaction gets its key and indexes once
 * its rows are in.
 */
export async function publishPostgres(db: Database, target: PostgresTarget, run: PostgresRun, log: Logger): Promise<PostgresPublished> {
  const started = performance.now();
  const shown = redactUrl(target.url);
  const entries = pgTables(DATA_DICTIONARY);
  const copied = entries.filter((e) => !INSERTED.has(e.name));
  const rowsOf = (entry: TableEntry) => {
    const { query, orderBy } = source(entry, run.runId);
    return binaryCopyRows(db, entry, query, orderBy);
  };
  const tables: PostgresPublished['tables'] = [];
  const schema = pgIdent(target.schema);
  let client: pg.Client | undefined;
  try {
    client = await connectPostgres(target.url, `publishing into PostgreSQL schema ${target.schema}`);
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '${Math.round(target.lockTimeoutSeconds * 1000)}ms'`);
    // One publication at a time per schema (two fidelio databases may publish into one).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fidelio publication ${target.schema}`]);
    const xid = (await client.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const created = new Set<string>();
    for (const entry of entries) {
      if ((await ensureTable(client, target.schema, entry)) === 'created') created.add(entry.name);
      for (const sql of commentSql(target.schema, entry)) await client.query(sql);
    }
    for (const entry of copied) {
      const table = `${schema}.${pgIdent(entry.name)}`;
      const t = performance.now();
      let rows: number;
      let changed: number | undefined;
      let comparedBy: 'duckdb' | 'server' | undefined;
      if (DIFFED.has(entry.name) && !created.has(entry.name)) {
        const mark = await rememberedMark(db, entry, shown, target.schema);
        const trusted = mark && (await stillPublished(client, target.schema, entry, mark)) ? mark : undefined;
        comparedBy = trusted ? 'duckdb' : 'server';
        ({ rows, changed } = trusted
          ? await applyDifference(client, db, target.schema, entry, trusted.rows)
          : await replaceChanged(client, target.schema, entry, rowsOf(entry)));
      } else {
        await client.query(APPENDED.has(entry.name) ? `DELETE FROM ${table} WHERE run_id = $1` : `DELETE FROM ${table}`, APPENDED.has(entry.name) ? [run.runId] : []);
        rows = await copyRows(client, target.schema, entry, rowsOf(entry));
        if (created.has(entry.name)) await addKeys(client, target.schema, entry);
      }
      tables.push({ table: entry.name, rows, ...(changed === undefined ? {} : { changed, compared_by: comparedBy }), copy_seconds: roundSeconds(performance.now() - t) });
      if (entry.name === 'customer_scores') {
        const history = tableEntry('customer_scores_history');
        const h = performance.now();
        await client.query(`DELETE FROM ${schema}.${pgIdent(history.name)} WHERE run_id = $1`, [run.runId]);
        const added = await client.query(historyFromScoresSql(target.schema, history, entry), [run.runId, run.horizonDays]);
        if (created.has(history.name)) await addKeys(client, target.schema, history);
        tables.push({ table: history.name, rows: added.rowCount ?? 0, copy_seconds: roundSeconds(performance.now() - h) });
      }
    }
    // The figures and the run: a few hundred rows and one, inserted (the run's upsert needs its key in place).
    for (const name of ['model_metrics', 'runs']) if (created.has(name)) await addKeys(client, target.schema, tableEntry(name));
    await client.query(`DELETE FROM ${schema}.model_metrics WHERE run_id = $1`, [run.runId]);
    const figures = metricRows(run.metrics);
    // One statement with arrays, not one per row.
    await client.query(
      `INSERT INTO ${schema}.model_metrics (run_id, as_of, model_version, metric, value, text_value)
       SELECT $1, CAST($2 AS date), $3, m, v, t FROM unnest($4::text[], $5::double precision[], $6::text[]) AS u(m, v, t)`,
      [run.runId, run.asOf, run.modelVersion, figures.map((r) => r.metric), figures.map((r) => r.value), figures.map((r) => r.text)],
    );
    tables.push({ table: 'model_metrics', rows: figures.length });
    const customers = tables.find((t) => t.table === 'customer_scores')?.rows ?? 0;
    await client.query(
      `INSERT INTO ${schema}.runs (run_id, started_at, published_at, as_of, horizon_days, model_version, currency, customers, manifest)
       VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8)
       ON CONFLICT (run_id) DO UPDATE SET published_at = EXCLUDED.published_at, manifest = EXCLUDED.manifest`,
      [run.runId, run.startedAt, run.asOf, run.horizonDays, run.modelVersion, run.currency, customers, JSON.stringify(run.manifest)],
    );
    tables.push({ table: 'runs', rows: 1 });
    await client.query('COMMIT');
    await reconcileIndexes(client, target, entries, created, log);
    for (const entry of copied.filter((e) => DIFFED.has(e.name))) {
      const rows = tables.find((t) => t.table === entry.name)!.rows;
      await remember(db, entry, { target: shown, schema: target.schema, xid, rows }).catch((err: Error) =>
        log.warn({ table: entry.name, err: err.message }, 'could not remember what was published into PostgreSQL; the next publication compares every row'));
    }
    const seconds = roundSeconds(performance.now() - started);
    log.info({ target: shown, schema: target.schema, tables, seconds }, 'published into PostgreSQL');
    return { target: shown, schema: target.schema, tables, seconds };
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => undefined);
    throw postgresError(err, target.url, `publishing into PostgreSQL schema ${target.schema}`);
  } finally {
    await client?.end().catch(() => undefined);
  }
}
