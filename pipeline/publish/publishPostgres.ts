import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { literal, type Database } from '../db/Database.js';
import { connectPostgres, pgIdent, postgresError, redactUrl } from '../db/postgres.js';
import { readSql } from '../db/sqlFile.js';
import type { Logger } from '../log.js';
import { DATA_DICTIONARY, type TableEntry } from '../shared/dataDictionary.js';
import { APPENDED, commentSql, createIndexSql, createTableSql, pgTables, pgType } from './postgresTables.js';

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

/** What was published, for the manifest and the log. */
export interface PostgresPublished {
  target: string;
  schema: string;
  tables: { table: string; rows: number }[];
  seconds: number;
}

/** The DuckDB query that gives a table's rows for this run (this run's history rows are not in DuckDB's table yet). */
function sourceQuery(entry: TableEntry, runId: string): string {
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  const order = entry.key.length ? ` ORDER BY ${entry.key.map(pgIdent).join(', ')}` : '';
  switch (entry.name) {
    case 'customer_scores_history':
      return `SELECT ${cols} FROM (${readSql('publish/customer_scores_history.sql')})${order}`;
    case 'rejected_rows':
      return `SELECT ${cols} FROM rejected_rows WHERE run_id = ${literal(runId)} ORDER BY kind, file, line`;
    case 'customers':
      return `SELECT ${cols} FROM customers${order}`;
    default:
      return `SELECT ${cols} FROM ${pgIdent(entry.name)}${order}`;
  }
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
async function ensureTable(client: pg.Client, schema: string, entry: TableEntry): Promise<void> {
  const wanted = entry.columns.map((c) => `${c.name} ${pgType(c)}`);
  const found = await existingColumns(client, schema, entry.name);
  if (found.length && found.join(',') === wanted.join(',')) return;
  if (found.length) {
    if (APPENDED.has(entry.name)) {
      throw new Error(`${schema}.${entry.name} has the columns (${found.join(', ')}), not the ones this fidelio publishes (${wanted.join(', ')}); rename the table to keep its rows and run again`);
    }
    await client.query(`DROP TABLE ${pgIdent(schema)}.${pgIdent(entry.name)}`);
  }
  await client.query(createTableSql(schema, entry));
  for (const sql of createIndexSql(schema, entry)) await client.query(sql);
}

/** Streams a CSV file into a table with COPY (memory stays flat whatever the size). */
async function copyFile(client: pg.Client, schema: string, entry: TableEntry, file: string): Promise<number> {
  const cols = entry.columns.map((c) => pgIdent(c.name)).join(', ');
  const stream = client.query(copyFrom(`COPY ${pgIdent(schema)}.${pgIdent(entry.name)} (${cols}) FROM STDIN WITH (FORMAT csv)`));
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
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
 * Each table's rows come from DuckDB as a CSV file (COPY TO, values
 * exact, NULL apart from the empty text) in `workDir`, streamed into
 * COPY FROM STDIN, then removed.
 */
export async function publishPostgres(db: Database, target: PostgresTarget, run: PostgresRun, workDir: string, log: Logger): Promise<PostgresPublished> {
  const started = performance.now();
  const shown = redactUrl(target.url);
  const client = await connectPostgres(target.url, `publishing into PostgreSQL schema ${target.schema}`);
  mkdirSync(workDir, { recursive: true });
  const tables: PostgresPublished['tables'] = [];
  const schema = pgIdent(target.schema);
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '${Math.round(target.lockTimeoutSeconds * 1000)}ms'`);
    // One publication at a time per schema (two fidelio databases may publish into one).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fidelio publication ${target.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const entry of pgTables(DATA_DICTIONARY)) {
      await ensureTable(client, target.schema, entry);
      for (const sql of commentSql(target.schema, entry)) await client.query(sql);
    }
    for (const entry of pgTables(DATA_DICTIONARY)) {
      const table = `${schema}.${pgIdent(entry.name)}`;
      if (entry.name === 'runs') continue;
      if (entry.name === 'model_metrics') {
        await client.query(`DELETE FROM ${table} WHERE run_id = $1`, [run.runId]);
        const rows = metricRows(run.metrics);
        // A few hundred figures: one statement with arrays, not one per row.
        await client.query(
          `INSERT INTO ${table} (run_id, as_of, model_version, metric, value, text_value)
           SELECT $1, CAST($2 AS date), $3, m, v, t FROM unnest($4::text[], $5::double precision[], $6::text[]) AS u(m, v, t)`,
          [run.runId, run.asOf, run.modelVersion, rows.map((r) => r.metric), rows.map((r) => r.value), rows.map((r) => r.text)],
        );
        tables.push({ table: entry.name, rows: rows.length });
        continue;
      }
      await client.query(APPENDED.has(entry.name) ? `DELETE FROM ${table} WHERE run_id = $1` : `DELETE FROM ${table}`, APPENDED.has(entry.name) ? [run.runId] : []);
      const file = join(workDir, `${entry.name}.csv`);
      await db.run(`COPY (${sourceQuery(entry, run.runId)}) TO ${literal(file)} (FORMAT csv, HEADER false)`, entry.name === 'customer_scores_history' ? { run_id: run.runId, horizon: run.horizonDays } : undefined);
      try {
        tables.push({ table: entry.name, rows: await copyFile(client, target.schema, entry, file) });
      } finally {
        rmSync(file, { force: true });
      }
    }
    const customers = tables.find((t) => t.table === 'customer_scores')?.rows ?? 0;
    await client.query(
      `INSERT INTO ${schema}.runs (run_id, started_at, published_at, as_of, horizon_days, model_version, currency, customers, manifest)
       VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8)
       ON CONFLICT (run_id) DO UPDATE SET published_at = EXCLUDED.published_at, manifest = EXCLUDED.manifest`,
      [run.runId, run.startedAt, run.asOf, run.horizonDays, run.modelVersion, run.currency, customers, JSON.stringify(run.manifest)],
    );
    tables.push({ table: 'runs', rows: 1 });
    await client.query('COMMIT');
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    log.info({ target: shown, schema: target.schema, tables, seconds }, 'published into PostgreSQL');
    return { target: shown, schema: target.schema, tables, seconds };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw postgresError(err, target.url, `publishing into PostgreSQL schema ${target.schema}`);
  } finally {
    await client.end().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}
