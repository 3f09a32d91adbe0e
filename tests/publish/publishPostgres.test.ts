import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database, literal } from '../../pipeline/db/Database.js';
import { packageRoot } from '../../pipeline/db/sqlFile.js';
import { publishStage, type PublishParams } from '../../pipeline/publish/publishStage.js';
import { historyFromScoresSql, metricRows, publishPostgres, type PostgresRun } from '../../pipeline/publish/publishPostgres.js';
import { silentLogger } from '../../pipeline/log.js';
import { DATA_DICTIONARY, tableEntry, type TableEntry } from '../../pipeline/shared/dataDictionary.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { scoreAgain, stagedRun, type StagedRun } from '../helpers/stagedRun.js';

// Values come back as PostgreSQL's text (cast in the queries), compared by the column's type.
let server: TestPostgres;
let run: StagedRun;
let url: string;
const PASSWORD = 'wr1ter-s3cret';
let params: PublishParams;
const input = () => run.state as Parameters<typeof publishStage.run>[2];

beforeAll(async () => {
  server = await startPostgres();
  // fidelio's own role: the rights to create its schema in this database, nothing else.
  server.psql([`CREATE ROLE fidelio_writer LOGIN PASSWORD '${PASSWORD}'`, 'CREATE DATABASE shop', 'GRANT CREATE, CONNECT ON DATABASE shop TO fidelio_writer']);
  url = server.url('fidelio_writer', PASSWORD, 'shop');
  run = await stagedRun('score', { neural: false });
  params = {
    horizonDays: 90, currency: 'USD', cmgrMonths: 12, effects: { minGroup: 30, costPerAction: 0, margin: 1 },
    postgres: { url, schema: 'fidelio', lockTimeoutSeconds: 10 },
  };
}, 120_000);
afterAll(() => {
  run?.close();
  server?.stop();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url('fidelio_admin', 'admin-pw-9f3', 'shop') });
  await c.connect();
  return c;
}

/** A table's rows as text, in key order, from PostgreSQL. */
async function pgRows(c: pg.Client, entry: TableEntry, where = '', schema = 'fidelio'): Promise<(string | null)[][]> {
  const cols = entry.columns.map((col) => `"${col.name}"::text`).join(', ');
  const order = entry.key.length ? entry.key.join(', ') : entry.columns.map((col) => col.name).join(', ');
  const res = await c.query({ text: `SELECT ${cols} FROM ${schema}.${entry.name} ${where} ORDER BY ${order}`, rowMode: 'array' });
  return res.rows as (string | null)[][];
}

/** The same as DuckDB reads it from a published CSV (all text; a formula-safe leading quote taken off) or the published database. */
async function publishedRows(db: Database, entry: TableEntry, from: string): Promise<(string | null)[][]> {
  const cols = entry.columns.map((col) => `CAST("${col.name}" AS VARCHAR)`).join(', ');
  const order = entry.key.length ? entry.key.join(', ') : entry.columns.map((col) => col.name).join(', ');
  const rows = await db.all(`SELECT ${cols} FROM ${from} ORDER BY ${order}`);
  return rows.map((r) => Object.values(r).map((v) => (v === null ? null : String(v).replace(/^'(?=[=+\-@\t\r])/, ''))));
}

/** Equal cell by cell: numbers as numbers (both sides print the shortest exact form, not always the same text), booleans and the rest as text. */
function expectSameRows(entry: TableEntry, got: (string | null)[][], want: (string | null)[][], csv = false): void {
  expect(got.length, entry.name).toBe(want.length);
  const normal = (type: string, v: string | null) => {
    // A CSV cell cannot tell an empty text from an empty value; the DuckDB copy can.
    if (v === null || v === '') return type === 'VARCHAR' && !csv ? v : null;
    if (['DOUBLE', 'BIGINT', 'INTEGER', 'HUGEINT', 'DECIMAL(38,2)'].includes(type)) return Number(v);
    if (type === 'BOOLEAN') return v === 't' || v === 'true';
    return v;
  };
  for (let i = 0; i < want.length; i++) {
    const a = entry.columns.map((c, j) => normal(c.type, got[i]![j]!));
    const b = entry.columns.map((c, j) => normal(c.type, want[i]![j]!));
    expect(a, `${entry.name} row ${i}`).toEqual(b);
  }
}

test('publishes every table typed, keyed, indexed and commented, equal to the CSV files and the DuckDB copy it published beside them', async () => {
  const out = await publishStage.run(run.ctx, params, input());
  expect(out.postgres).toMatchObject({ target: `postgres://fidelio_writer@127.0.0.1:${server.port}/shop`, schema: 'fidelio' });
  const c = await client();
  const copy = await Database.open(join(run.ctx.publication.out, 'fidelio.duckdb'), { readOnly: true });
  try {
    let compared = 0;
    for (const entry of DATA_DICTIONARY.filter((t) => t.sinks.includes('duckdb'))) {
      const got = await pgRows(c, entry);
      expect(got.length, entry.name).toBeGreaterThan(0);
      expectSameRows(entry, got, await publishedRows(copy, entry, entry.name));
      if (entry.sinks.includes('csv')) {
        const csv = `read_csv(${literal(join(run.ctx.publication.out, `${entry.name}.csv`))}, all_varchar = true, header = true)`;
        expectSameRows(entry, got, await publishedRows(run.db, entry, csv), true);
      }
      compared += got.length;
    }
    expect(compared).toBeGreaterThan(1600);

    // Types: days as date, flags as boolean, numbers as numbers.
    const types = Object.fromEntries((await c.query(`SELECT table_name || '.' || column_name AS k, data_type FROM information_schema.columns WHERE table_schema = 'fidelio'`)).rows.map((r) => [r.k, r.data_type]));
    expect(types).toMatchObject({
      'customer_scores.as_of': 'date', 'customer_scores.is_vip': 'boolean', 'customer_scores.churn_probability': 'double precision', 'customer_scores.value_tier': 'bigint',
      'kpis_monthly.month': 'date', 'kpis_monthly.revenue': 'numeric', 'runs.manifest': 'jsonb', 'customer_scores_history.contact': 'boolean',
    });
    const nullable = (await c.query(`SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'fidelio' AND table_name = 'customer_scores' AND column_name = 'is_vip'`)).rows[0].is_nullable;
    expect(nullable).toBe('NO');
    // The key and the indexes the lists filter by.
    const indexes = (await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'fidelio' AND tablename = 'customer_scores' ORDER BY indexname`)).rows;
    expect(indexes.map((r) => r.indexname)).toEqual(['customer_scores_action_action_priority_idx', 'customer_scores_churn_risk_where_is_vip_idx', 'customer_scores_pkey']);
    // The VIPs' index holds the VIPs only, and a VIP list by risk uses it.
    expect(indexes.find((r) => r.indexname === 'customer_scores_churn_risk_where_is_vip_idx')!.indexdef).toMatch(/\(churn_risk\) WHERE is_vip$/);
    expect(indexes.find((r) => r.indexname === 'customer_scores_pkey')!.indexdef).toContain('UNIQUE INDEX customer_scores_pkey ON fidelio.customer_scores USING btree (customer_id)');

    // COMMENT ON every table and column, the dictionary's words.
    for (const entry of DATA_DICTIONARY.filter((t) => t.sinks.includes('postgres'))) {
      const table = await c.query(`SELECT obj_description(('fidelio.' || $1)::regclass, 'pg_class') AS d`, [entry.name]);
      expect(table.rows[0].d, entry.name).toBe(entry.meaning);
      const cols = await c.query(`SELECT a.attname, col_description(a.attrelid, a.attnum) AS d FROM pg_attribute a
        WHERE a.attrelid = ('fidelio.' || $1)::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [entry.name]);
      expect(cols.rows.map((r) => [r.attname, r.d]), entry.name).toEqual(entry.columns.map((col) => [col.name, col.meaning]));
    }

    // The backtest figures as rows, the run and its manifest without the password.
    const figures = await c.query(`SELECT metric, value, text_value FROM fidelio.model_metrics WHERE run_id = 'test-run'`);
    expect(figures.rows.length).toBe(metricRows(run.state.models!.metrics).length);
    const m = run.state.models!.metrics as unknown as { churn: { auc: number; model: string } };
    expect(figures.rows.find((r) => r.metric === 'churn.auc')!.value).toBe(m.churn.auc);
    expect(figures.rows.find((r) => r.metric === 'churn.model')!.text_value).toBe(m.churn.model);
    const runs = await c.query(`SELECT run_id, as_of::text, customers, manifest FROM fidelio.runs`);
    expect(runs.rows).toHaveLength(1);
    expect(runs.rows[0]).toMatchObject({ run_id: 'test-run', as_of: '2026-09-30', customers: '800' });
    expect(runs.rows[0].manifest.postgres).toEqual({ target: `postgres://fidelio_writer@127.0.0.1:${server.port}/shop`, schema: 'fidelio' });
    expect(JSON.stringify(runs.rows[0].manifest)).not.toContain(PASSWORD);
    expect(readFileSync(join(run.ctx.publication.out, 'run_manifest.json'), 'utf8')).not.toContain(PASSWORD);
  } finally {
    copy.close();
    await c.end();
  }
});

/** The ```sql blocks of a page of docs/, in order. */
function sqlBlocks(page: string): string[] {
  const text = readFileSync(join(packageRoot, 'docs', page), 'utf8');
  return [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test("the BI page's three queries run on the publication and give the figures DuckDB gives", async () => {
  const [atRisk, byTier, saves] = sqlBlocks('bi.md');
  const c = await client();
  try {
    const got = (await c.query(atRisk!)).rows.map((r) => [r.country, Number(r.at_risk_vips), Number(r.value_at_stake)]);
    const want = (await run.db.all<{ country: string; n: number; v: number }>(`SELECT coalesce(c.country, '(unknown)') AS country, count(*) AS n, sum(s.value_if_retained * s.churn_probability) AS v
      FROM customer_scores s LEFT JOIN customers c USING (customer_id) WHERE s.is_vip AND s.churn_risk <> 'low' GROUP BY 1`))
      .sort((a, b) => b.v - a.v || a.country.localeCompare(b.country)).map((r) => [r.country, Number(r.n), Math.round(r.v * 100) / 100]);
    expect(got.length).toBeGreaterThan(3);
    expect(got).toEqual(want);
    const tiers = (await c.query(byTier!)).rows.map((r) => [r.as_of.toISOString().slice(0, 10), Number(r.value_tier), Number(r.customers), Number(r.vips)]);
    const tiersWant = (await run.db.all<{ t: number; n: number; v: number }>(`SELECT value_tier AS t, count(*) AS n, count(*) FILTER (WHERE is_vip) AS v FROM customer_scores GROUP BY 1 ORDER BY 1`))
      .map((r) => ['2026-09-30', Number(r.t), Number(r.n), Number(r.v)]);
    expect(tiers).toEqual(tiersWant);
    expect((await c.query(saves!)).rows.length).toBe(Number(await run.db.value(`SELECT count(*) FROM action_effects WHERE action = 'save' AND status = 'measured'`)));
  } finally {
    await c.end();
  }
});

test('the GRANTs the docs give make a BI role that reads every table and changes none', async () => {
  const [grants] = sqlBlocks('postgres.md');
  const c = await client();
  try {
    await c.query(grants!.replace('analytics', 'shop').replace("'change-me'", "'bi-pw'"));
  } finally {
    await c.end();
  }
  const bi = new pg.Client({ connectionString: server.url('bi_reader', 'bi-pw', 'shop') });
  await bi.connect();
  try {
    for (const entry of DATA_DICTIONARY.filter((t) => t.sinks.includes('postgres'))) {
      expect(Number((await bi.query(`SELECT count(*) AS n FROM fidelio.${entry.name}`)).rows[0].n), entry.name).toBeGreaterThan(0);
    }
    await expect(bi.query('DELETE FROM fidelio.customer_scores')).rejects.toThrow(/permission denied for table customer_scores/);
    await expect(bi.query('CREATE TABLE fidelio.x (a int)')).rejects.toThrow(/permission denied for schema fidelio/);
  } finally {
    await bi.end();
  }
});

test('a reader holding a repeatable-read transaction across a second publication sees one publication whole, and does not hold the publication up', async () => {
  const c = await client();
  // The BI role of the docs, reading through the second publication.
  const reader = new pg.Client({ connectionString: server.url('bi_reader', 'bi-pw', 'shop') });
  await reader.connect();
  try {
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const look = async (conn: pg.Client) => (await conn.query(`SELECT
        (SELECT count(*) FROM fidelio.customer_scores) AS customers,
        (SELECT sum(churn_probability) FROM fidelio.customer_scores) AS churn,
        (SELECT max(vips_total)::text FROM fidelio.kpis_monthly) AS vips,
        (SELECT string_agg(run_id, ',' ORDER BY run_id) FROM fidelio.runs) AS runs,
        (SELECT count(DISTINCT run_id) FROM fidelio.customer_scores_history) AS history_runs`)).rows[0];
    const before = await look(reader);
    expect(before).toMatchObject({ customers: '800', runs: 'test-run', history_runs: '1' });

    // A second run whose scores differ: the 100 first customers are gone and every probability halved.
    await scoreAgain(run.db);
    await run.db.run(`DELETE FROM customer_scores WHERE customer_id IN (SELECT customer_id FROM customer_scores ORDER BY customer_id LIMIT 100)`);
    await scoreAgain(run.db);
    await run.db.run('UPDATE customer_scores SET churn_probability = churn_probability / 2');
    const second = { ...run.ctx, runId: 'test-run-2' };
    await publishStage.run(second, params, input());

    // The reader, still in its transaction, sees the first publication everywhere; a new reader sees the second.
    expect(await look(reader)).toEqual(before);
    await reader.query('COMMIT');
    const after = await look(c);
    expect(after).toMatchObject({ customers: '700', runs: 'test-run,test-run-2', history_runs: '2' });
    expect(Number(after.churn)).toBeCloseTo(await run.db.value<number>('SELECT sum(churn_probability) FROM customer_scores'), 6);
    expect(Number(after.churn)).not.toBeCloseTo(Number(before.churn), 0);
    // The history keeps both runs' rows; the scores only the second's.
    expect((await c.query(`SELECT run_id, count(*)::int AS n FROM fidelio.customer_scores_history GROUP BY run_id ORDER BY run_id`)).rows)
      .toEqual([{ run_id: 'test-run', n: 800 }, { run_id: 'test-run-2', n: 700 }]);
  } finally {
    await reader.end();
    await c.end();
  }
});

test('a publication that fails inside its transaction leaves the previous one whole, and says so without the password', async () => {
  const c = await client();
  try {
    const snapshot = async () => (await c.query(`SELECT (SELECT count(*) FROM fidelio.customer_scores) AS n, (SELECT md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM fidelio.customer_scores t) AS h,
      (SELECT count(*) FROM fidelio.runs) AS runs, (SELECT count(*) FROM fidelio.customer_scores_history) AS history`)).rows[0];
    const before = await snapshot();
    // A value the declared type refuses, in the last table loaded before the run's row: the whole transaction rolls back.
    await scoreAgain(run.db);
    await run.db.run(`UPDATE customer_scores SET churn_risk = NULL WHERE customer_id = (SELECT min(customer_id) FROM customer_scores)`);
    const third = { ...run.ctx, runId: 'test-run-3' };
    const failed = publishStage.run(third, params, input());
    await expect(failed).rejects.toThrow(/publishing into PostgreSQL schema fidelio: PostgreSQL at postgres:\/\/fidelio_writer@127\.0\.0\.1:\d+\/shop: null value in column "churn_risk"/);
    await expect(publishStage.run(third, params, input())).rejects.toThrow(/The previous publication in .* and in PostgreSQL postgres:\/\/fidelio_writer@127\.0\.0\.1:\d+\/shop schema fidelio is intact/);
    const message = await publishStage.run(third, params, input()).catch((e: Error) => e.message);
    expect(message).not.toContain(PASSWORD);
    expect(await snapshot()).toEqual(before);
    // The files were not switched either.
    expect(basename(readlinkSync(run.ctx.publication.out))).toBe('test-run-2');
  } finally {
    await scoreAgain(run.db);
    await run.db.run(`UPDATE customer_scores SET churn_risk = 'low' WHERE churn_risk IS NULL`);
    await c.end();
  }
});

test('a failure between the database and the files leaves PostgreSQL with the new publication and the files with the previous, and says so', async () => {
  // The release folder cannot take its final name: a file stands there.
  writeFileSync(join(run.dir, '.out.releases', 'test-run-4'), 'in the way');
  const fourth = { ...run.ctx, runId: 'test-run-4' };
  const message = await publishStage.run(fourth, params, input()).catch((e: Error) => e.message);
  expect(message).toMatch(/^publication failed: .*\. PostgreSQL postgres:\/\/fidelio_writer@127\.0\.0\.1:\d+\/shop schema fidelio holds this run's tables, while .*out still holds the previous release \(the next run publishes both again\); free space or fix the folder and run again\.$/);
  expect(message).not.toContain(PASSWORD);
  const c = await client();
  try {
    expect((await c.query(`SELECT string_agg(run_id, ',' ORDER BY run_id) AS r FROM fidelio.runs`)).rows[0].r).toBe('test-run,test-run-2,test-run-4');
  } finally {
    await c.end();
  }
  expect(basename(readlinkSync(run.ctx.publication.out))).toBe('test-run-2');
  // The working database's history and served scores changed with the files: not at all.
  expect(await run.db.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'test-run-4'`)).toBe(0);
});

test('streamed as binary COPY: the same rows in every table, the key and indexes built after a first load, a failure in a middle row rolls the whole back and frees DuckDB', async () => {
  const target = { url, schema: 'chunked', lockTimeoutSeconds: 10 };
  const runInfo = (runId: string): PostgresRun => ({ runId, asOf: '2026-09-30', horizonDays: 90, startedAt: '2026-11-01T00:00:00.000Z', modelVersion: run.state.models!.version, currency: 'USD', metrics: run.state.models!.metrics, manifest: { run_id: runId } });
  const c = await client();
  const same = async () => {
    for (const name of ['customer_scores', 'customers']) {
      const entry = tableEntry(name);
      expectSameRows(entry, await pgRows(c, entry, '', 'chunked'), await publishedRows(run.db, entry, name));
    }
  };
  try {
    const first = await publishPostgres(run.db, target, runInfo('chunk-1'), silentLogger);
    expect(first.tables.find((t) => t.table === 'customer_scores')!.rows).toBe(await run.db.value<number>('SELECT count(*)::INTEGER FROM customer_scores'));
    await same();
    expect(Number((await c.query(`SELECT count(*) AS n FROM chunked.customer_scores_history WHERE run_id = 'chunk-1'`)).rows[0].n)).toBe(first.tables.find((t) => t.table === 'customer_scores')!.rows);
    const indexes = (await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'chunked' AND tablename = 'customer_scores' ORDER BY indexname`)).rows.map((r) => r.indexname);
    expect(indexes).toEqual(['customer_scores_action_action_priority_idx', 'customer_scores_churn_risk_where_is_vip_idx', 'customer_scores_pkey']);
    expect((await c.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'chunked' AND indexname IN ('customer_scores_history_pkey', 'customers_pkey', 'runs_pkey', 'model_metrics_pkey')`)).rows[0].n).toBe(4);

    // A value PostgreSQL refuses in a customer in the middle: nothing of the second publication stays.
    const hash = async () => (await c.query(`SELECT md5(string_agg(t::text, '|' ORDER BY customer_id)) AS h FROM chunked.customer_scores t`)).rows[0].h;
    const before = await hash();
    const middle = await run.db.value<string>(`SELECT customer_id FROM customer_scores ORDER BY customer_id LIMIT 1 OFFSET 400`);
    await scoreAgain(run.db);
    await run.db.run(`UPDATE customer_scores SET churn_risk = NULL WHERE customer_id = '${middle}'`);
    await expect(publishPostgres(run.db, target, runInfo('chunk-2'), silentLogger)).rejects.toThrow(/null value in column "churn_risk"/);
    expect(await hash()).toBe(before);
    expect((await c.query(`SELECT string_agg(run_id, ',') AS r FROM chunked.runs`)).rows[0].r).toBe('chunk-1');
    // DuckDB is free again (no export left running on its connection).
    await scoreAgain(run.db);
    await run.db.run(`UPDATE customer_scores SET churn_risk = 'low' WHERE churn_risk IS NULL`);

    // A replacement: the same rows again. The customers are replaced by their difference: one gone,
    // one with a new email, one new (and a text PostgreSQL must take as data), and nothing else written.
    await scoreAgain(run.db);
    await run.db.run('UPDATE customer_scores SET churn_probability = churn_probability / 3');
    const [gone, moved] = (await run.db.all<{ customer_id: string }>('SELECT customer_id FROM customers ORDER BY customer_id LIMIT 2')).map((r) => r.customer_id);
    await run.db.run(`DELETE FROM customers WHERE customer_id = '${gone}'`);
    await run.db.run(`UPDATE customers SET email = 'new@example.com', country = NULL WHERE customer_id = '${moved}'`);
    await run.db.run(`INSERT INTO customers (customer_id, country, name) VALUES ('ZZ-new', 'FR', 'O''Brien; DROP TABLE x')`);
    const untouched = async () => (await c.query(`SELECT count(*)::int AS n FROM chunked.customers WHERE xmin::text::bigint = (SELECT min(xmin::text::bigint) FROM chunked.customers)`)).rows[0].n;
    const before3 = await untouched();
    // A publication an earlier version made has indexes on segment, value_tier and (is_vip, churn_risk) over everyone,
    // and not the VIPs' partial one: once the publication is committed this one builds the partial index and drops
    // those three; an index a DBA added stays.
    await c.query('DROP INDEX chunked.customer_scores_churn_risk_where_is_vip_idx');
    for (const cols of ['segment', 'value_tier', 'is_vip_churn_risk']) await c.query(`CREATE INDEX customer_scores_${cols}_idx ON chunked.customer_scores (${cols === 'is_vip_churn_risk' ? 'is_vip, churn_risk' : cols})`);
    await c.query('CREATE INDEX dba_own_idx ON chunked.customer_scores (persona)');
    const third = await publishPostgres(run.db, target, runInfo('chunk-3'), silentLogger);
    expect((await c.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'chunked' AND tablename = 'customer_scores' ORDER BY indexname`)).rows.map((r) => r.indexname))
      .toEqual(['customer_scores_action_action_priority_idx', 'customer_scores_churn_risk_where_is_vip_idx', 'customer_scores_pkey', 'dba_own_idx']);
    // Built valid (a CONCURRENTLY build that failed would leave it invalid).
    expect((await c.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'chunked.customer_scores_churn_risk_where_is_vip_idx'::regclass`)).rows[0].indisvalid).toBe(true);
    await same();
    // DuckDB found the three against its memory of the first publication (the failed second one left it as it was).
    expect(third.tables.find((t) => t.table === 'customers')).toMatchObject({ changed: 3, compared_by: 'duckdb' });
    // Every other customer's row is the one the first publication wrote (same transaction id).
    expect(await untouched()).toBe(before3 - 2);
    expect((await c.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'chunked' AND tablename LIKE '%publishing%'`)).rows[0].n).toBe(0);
    // Rows changed on the server by someone else: DuckDB's memory is not trusted, the server compares every row and
    // puts them right (an edited row, a row deleted, a row added).
    const [edited, deleted] = (await run.db.all<{ customer_id: string }>('SELECT customer_id FROM customers ORDER BY customer_id LIMIT 2 OFFSET 10')).map((r) => r.customer_id);
    for (const [sql, changes] of [
      [`UPDATE chunked.customers SET country = 'XX' WHERE customer_id = '${edited}'`, 1],
      [`DELETE FROM chunked.customers WHERE customer_id = '${deleted}'`, 1],
      [`INSERT INTO chunked.customers (customer_id, country) VALUES ('added-by-hand', 'US')`, 1],
    ] as const) {
      await c.query(sql);
      const again = await publishPostgres(run.db, target, runInfo('chunk-4'), silentLogger);
      expect(again.tables.find((t) => t.table === 'customers'), sql).toMatchObject({ changed: changes, compared_by: 'server' });
      await same();
    }
    // And with nothing changed anywhere, DuckDB's memory again, nothing written.
    const quiet = await publishPostgres(run.db, target, runInfo('chunk-3'), silentLogger);
    expect(quiet.tables.find((t) => t.table === 'customers')).toMatchObject({ changed: 0, compared_by: 'duckdb' });
    await same();
    // The history rows the server made are the ones DuckDB's history query makes.
    const history = tableEntry('customer_scores_history');
    const duck = `(${readFileSync(join(packageRoot, 'pipeline', 'publish', 'customer_scores_history.sql'), 'utf8').replaceAll('$run_id', "'chunk-3'").replaceAll('$horizon', '90')})`;
    expectSameRows(history, await pgRows(c, history, `WHERE run_id = 'chunk-3'`, 'chunked'), await publishedRows(run.db, history, duck));
    expect(await hash()).not.toBe(before);
  } finally {
    await c.end();
  }
});

test("the server makes this run's history rows from the scores by column name; a history column the scores lack is said, not guessed", () => {
  const sql = historyFromScoresSql('fidelio', tableEntry('customer_scores_history'), tableEntry('customer_scores'));
  expect(sql).toContain('SELECT CAST($1 AS text), "as_of", "customer_id"');
  expect(sql).toContain('CAST($2 AS integer), "persona" FROM "fidelio"."customer_scores"');
  expect(sql.endsWith('FROM "fidelio"."customer_scores"')).toBe(true);
  const history = tableEntry('customer_scores_history');
  expect(() => historyFromScoresSql('fidelio', { ...history, columns: [...history.columns, { name: 'reached', type: 'BOOLEAN', meaning: 'x' }] }, tableEntry('customer_scores')))
    .toThrow('customer_scores_history.reached is not a column of customer_scores');
});

test('the backtest figures become one row per leaf, by path', () => {
  expect(metricRows({ churn: { model: 'neural', auc: 0.81, calibration: [{ p: 0.1 }, { p: 0.2 }] }, ok: true, gone: null, bad: Number.NaN })).toEqual([
    { metric: 'churn.model', value: null, text: 'neural' },
    { metric: 'churn.auc', value: 0.81, text: null },
    { metric: 'churn.calibration[0].p', value: 0.1, text: null },
    { metric: 'churn.calibration[1].p', value: 0.2, text: null },
    { metric: 'ok', value: null, text: 'true' },
    { metric: 'bad', value: null, text: 'NaN' },
  ]);
  expect(tableEntry('model_metrics').sinks).toEqual(['postgres']);
});
