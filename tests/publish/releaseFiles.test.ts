import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { readSql } from '../../pipeline/db/sqlFile.js';
import { copiedPrints, recordCopy } from '../../pipeline/publish/previousCopy.js';
import { storedInOrder, writeDatabaseCopy, writeRelease, writeTableFiles } from '../../pipeline/publish/releaseFiles.js';
import { recordedSteps } from '../../pipeline/measure.js';
import { publishableRun, type StagedRun } from '../helpers/stagedRun.js';
import { withTempDir } from '../helpers/withDb.js';

let run: StagedRun;
beforeAll(async () => {
  run = await publishableRun();
});
afterAll(() => run.close());

// Every table of a copy, as sorted rows: what a reader sees, whatever the order rows were written in.
async function contents(path: string): Promise<Record<string, unknown>> {
  const db = run.db;
  await db.run(`ATTACH '${path}' AS c (READ_ONLY)`);
  try {
    const tables = (await db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'c' ORDER BY 1`)).map((r) => r.t);
    const out: Record<string, unknown> = {};
    for (const t of tables) {
      out[t] = {
        columns: await db.all(`SELECT column_name, column_type FROM (DESCRIBE c.${t})`),
        rows: (await db.all(`SELECT * FROM c.${t}`)).map((r) => JSON.stringify(r)).sort(),
      };
    }
    return out;
  } finally {
    await db.run('DETACH c');
  }
}

/** This run's rows appended to the working history, as a publication commits them. */
const commit = (runId: string) => run.db.run(`INSERT INTO customer_scores_history ${readSql('publish/customer_scores_history.sql')}`, { run_id: runId, horizon: 90 });

test('the tables as Parquet and CSV in customer order, and a read-only copy with the history including this run', async () => {
  await withTempDir(async (dir) => {
    await writeTableFiles(run.db, dir);
    const csv = readFileSync(join(dir, 'customer_scores.csv'), 'utf8').trim().split('\n');
    const n = await run.db.value<number>('SELECT count(*) FROM customer_scores');
    expect(csv).toHaveLength(n + 1);
    const ids = csv.slice(1).map((l) => l.split(',')[0]!);
    expect([...ids].sort()).toEqual(ids);
    expect(await run.db.value(`SELECT count(*) FROM read_parquet('${join(dir, 'customer_scores.parquet')}')`)).toBe(n);
    expect(readFileSync(join(dir, 'kpis_monthly.csv'), 'utf8').split('\n')[0]).toMatch(/^month,is_partial_month,revenue,/);
    // Every table written as files is in Parquet too, row for row as its CSV and its table.
    for (const table of ['kpis_monthly', 'kpis_by_group', 'segment_personas', 'persona_choice', 'personas', 'action_effects']) {
      const rows = await run.db.value<number>(`SELECT count(*) FROM ${table}`);
      expect(await run.db.value(`SELECT count(*) FROM read_parquet('${join(dir, `${table}.parquet`)}')`), table).toBe(rows);
      expect(readFileSync(join(dir, `${table}.csv`), 'utf8').trim().split('\n').length - 1, table).toBe(rows);
    }
    expect(await run.db.value(`SELECT count(*) FROM (SELECT * FROM kpis_monthly EXCEPT SELECT * FROM read_parquet('${join(dir, 'kpis_monthly.parquet')}'))`)).toBe(0);

    await writeDatabaseCopy(run.db, join(dir, 'copy.duckdb'), 'test-run', 90);
    const copy = await Database.open(join(dir, 'copy.duckdb'), { readOnly: true });
    try {
      expect((await copy.all<{ name: string }>('SELECT table_name AS name FROM duckdb_tables() ORDER BY 1')).map((r) => r.name))
        .toEqual(['action_effects', 'customer_scores', 'customer_scores_history', 'customers', 'kpis_by_group', 'kpis_monthly', 'persona_choice', 'personas', 'rejected_rows', 'segment_personas']);
      expect(await copy.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'test-run'`)).toBe(n);
      expect(await copy.value('SELECT count(*) FROM rejected_rows')).toBe(7);
    } finally {
      copy.close();
    }
    // The working database's history is untouched until the publication commits.
    expect(await run.db.value('SELECT count(*) FROM customer_scores_history')).toBe(0);
  });
});

test('the next copy starts from the published one when its history is the working one, and holds what a fresh copy holds; otherwise it is written fresh', async () => {
  const db = run.db;
  const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  await withTempDir(async (dir) => {
    const first = join(dir, 'first.duckdb');
    expect(await writeDatabaseCopy(db, first, 'run-1', 90, join(dir, 'none.duckdb'))).toEqual({ historyKept: false });
    await commit('run-1');
    // The next run: other scores, another run id.
    await db.run('UPDATE customer_scores SET churn_probability = churn_probability / 2, segment = segment || \'-next\'');
    const before = sha(first);
    const next = join(dir, 'next.duckdb');
    expect(await writeDatabaseCopy(db, next, 'run-2', 60, first)).toEqual({ historyKept: true, check: 'compared' });
    expect(sha(first)).toBe(before); // the published copy is left as it was
    const fresh = join(dir, 'fresh.duckdb');
    expect(await writeDatabaseCopy(db, fresh, 'run-2', 60)).toEqual({ historyKept: false });
    const kept = await contents(next);
    expect(kept).toEqual(await contents(fresh));
    // The dropped tables' space is used again: the kept copy is no bigger than a fresh one (within a block of 256 KiB or two).
    expect(statSync(next).size).toBeLessThanOrEqual(statSync(fresh).size + 2 * 262_144);
    const n = await db.value<number>('SELECT count(*) FROM customer_scores');
    expect((kept.customer_scores_history as { rows: string[] }).rows).toHaveLength(2 * n);
    expect((kept.customer_scores_history as { rows: string[] }).rows.filter((r) => r.includes('"run-2"') && r.includes('"horizon_days":60'))).toHaveLength(n);

    // The working history no longer the published copy's (a row changed since, say): written fresh, the same as a fresh copy.
    await commit('run-2');
    await db.run(`UPDATE customer_scores_history SET churn_risk = 'high' WHERE run_id = 'run-1' AND customer_id = (SELECT min(customer_id) FROM customer_scores)`);
    const third = join(dir, 'third.duckdb');
    expect(await writeDatabaseCopy(db, third, 'run-3', 90, next)).toEqual({ historyKept: false });
    const fresh3 = join(dir, 'fresh3.duckdb');
    await writeDatabaseCopy(db, fresh3, 'run-3', 90);
    expect(await contents(third)).toEqual(await contents(fresh3));
    // A copy with another table in it (another version's), the working history changed again (run-1 gone):
    // written fresh too; and from a damaged copy, the same.
    const other = join(dir, 'other.duckdb');
    copyFileSync(third, other);
    await db.run(`ATTACH '${other}' AS o`);
    await db.run('CREATE TABLE o.extra AS SELECT 1 AS x');
    await db.run('DETACH o');
    await db.run(`DELETE FROM customer_scores_history WHERE run_id = 'run-1'`);
    const fourth = join(dir, 'fourth.duckdb');
    expect(await writeDatabaseCopy(db, fourth, 'run-4', 90, other)).toEqual({ historyKept: false });
    const damaged = join(dir, 'damaged.duckdb');
    writeFileSync(damaged, Buffer.concat([readFileSync(other).subarray(0, 4096), Buffer.alloc(8192, 0x5a)]));
    const fifth = join(dir, 'fifth.duckdb');
    expect(await writeDatabaseCopy(db, fifth, 'run-4', 90, damaged)).toEqual({ historyKept: false });
    expect(await contents(fifth)).toEqual(await contents(fourth));
    expect(existsSync(`${fifth}.wal`)).toBe(false);
  });
  await db.run('DELETE FROM customer_scores_history');
});

test('a table already stored in its file order is written from a scan, otherwise sorted: the same bytes either way', async () => {
  const db = run.db;
  // Stored in order: one key column, no NULL, each row's key above the row's before (in rowid order, what a scan reads).
  await db.run(`CREATE TEMP TABLE o AS SELECT * FROM (VALUES ('A1', 1), ('A2', 2), ('B1', 3)) v(k, n)`);
  expect(await storedInOrder(db, 'o', 'k')).toBe(true);
  expect(await storedInOrder(db, 'o', 'n')).toBe(true);
  expect(await storedInOrder(db, 'o', 'k, n')).toBe(false); // two columns: sorted, not checked
  await db.run(`INSERT INTO o VALUES ('B1', 4)`); // a repeated key: ORDER BY would not say which comes first
  expect(await storedInOrder(db, 'o', 'k')).toBe(false);
  expect(await storedInOrder(db, 'o', 'n')).toBe(true);
  await db.run(`INSERT INTO o VALUES ('C1', NULL)`);
  expect(await storedInOrder(db, 'o', 'n')).toBe(false); // ORDER BY puts a NULL last whatever the scan
  await db.run(`INSERT INTO o VALUES ('A0', 0)`);
  expect(await storedInOrder(db, 'o', 'k')).toBe(false);
  await db.run('DROP TABLE o');
  // Each row is compared with the next by position: at the first row, at the positions of DuckDB's chunk (2,048 rows) and
  // row group (122,880) boundaries in a table written in one go, and at the last row.
  const ordered = async (swap: number) => {
    await db.run(`CREATE OR REPLACE TEMP TABLE big AS SELECT printf('C%07d', CASE WHEN i = ${swap} THEN i + 1 WHEN i = ${swap + 1} THEN i - 1 ELSE i END) AS k
      FROM range(300000) t(i) ORDER BY i`);
    return storedInOrder(db, 'big', 'k');
  };
  expect(await ordered(-5)).toBe(true); // no row swapped
  for (const swap of [0, 2047, 122879, 245759, 299998]) expect(await ordered(swap)).toBe(false);
  expect(await ordered(-5)).toBe(true);
  await db.run(`UPDATE big SET k = 'C0299998' WHERE k = 'C0299999'`); // the last two rows alike
  expect(await storedInOrder(db, 'big', 'k')).toBe(false);
  expect(await ordered(-5)).toBe(true);
  await db.run(`DELETE FROM big WHERE k IN ('C0150000', 'C0002048')`); // deleted rows: their neighbours are compared
  expect(await storedInOrder(db, 'big', 'k')).toBe(true);
  await db.run(`UPDATE big SET k = 'C0150001' WHERE k = 'C0149999'`); // neighbours across a deleted row alike
  expect(await storedInOrder(db, 'big', 'k')).toBe(false);
  await db.run('DROP TABLE big');

  const files = async (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
  expect(await storedInOrder(db, 'customer_scores', 'customer_id')).toBe(true); // the score stage leaves it so
  try {
    await withTempDir(async (inOrder) => {
      await withTempDir(async (reversed) => {
        await writeTableFiles(db, inOrder);
        await db.run('CREATE OR REPLACE TABLE customer_scores AS SELECT * FROM customer_scores ORDER BY customer_id DESC');
        await db.run('CREATE OR REPLACE TABLE personas AS SELECT * FROM personas ORDER BY persona_id DESC');
        expect(await storedInOrder(db, 'customer_scores', 'customer_id')).toBe(false);
        await writeTableFiles(db, reversed);
        const a = await files(inOrder);
        expect(Object.keys(a)).toContain('customer_scores.parquet');
        expect(await files(reversed)).toEqual(a);
        const ids = readFileSync(join(reversed, 'customer_scores.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!);
        expect(ids.length).toBeGreaterThan(100);
        expect(ids).toEqual([...ids].sort());
      });
    });
  } finally {
    await db.run('CREATE OR REPLACE TABLE customer_scores AS SELECT * FROM customer_scores ORDER BY customer_id');
    await db.run('CREATE OR REPLACE TABLE personas AS SELECT * FROM personas ORDER BY persona_id');
  }
});

test('the release: the database copy written beside the files and the report holds what a copy written alone holds; a failure of either is thrown once both have stopped', async () => {
  const db = run.db;
  const tables = async (path: string) => {
    const copy = await Database.open(path, { readOnly: true });
    try {
      const names = (await copy.all<{ t: string }>('SELECT table_name AS t FROM duckdb_tables() ORDER BY 1')).map((r) => r.t);
      const out: Record<string, string[]> = {};
      for (const t of names) out[t] = (await copy.all(`SELECT * FROM ${t}`)).map((r) => JSON.stringify(r)); // in stored order
      return out;
    } finally {
      copy.close();
    }
  };
  await withTempDir(async (dir) => {
    const events: string[] = [];
    const { step, steps } = recordedSteps((name) => events.push(`end ${name}`), (name) => events.push(`start ${name}`));
    let reportedOn: Database | undefined;
    await writeRelease(db, dir, 'run-r', 90, { auc: 0.7 }, async (on) => {
      reportedOn = on;
      return `<p>${await on.value('SELECT count(*) FROM customer_scores')}</p>`;
    }, step);
    expect(steps.map((s) => s.name).sort()).toEqual(['Parquet and CSV files', 'database copy', 'report']);
    // The report starts once the first of the copy and the files has ended, on that part's connection (the copy's is not db).
    const firstEnded = events.find((e) => e === 'end database copy' || e === 'end Parquet and CSV files');
    expect(events.indexOf('start report')).toBeGreaterThan(events.indexOf(firstEnded!));
    expect(reportedOn === db).toBe(firstEnded === 'end Parquet and CSV files');
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['customer_scores.csv', 'customer_scores.parquet', 'fidelio.duckdb', 'model_metrics.json', 'report.html']));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(`<p>${await db.value('SELECT count(*) FROM customer_scores')}</p>`);
    await withTempDir(async (alone) => {
      await writeDatabaseCopy(db, join(alone, 'fidelio.duckdb'), 'run-r', 90);
      const together = await tables(join(dir, 'fidelio.duckdb'));
      expect(together.customer_scores!.length).toBeGreaterThan(100);
      expect(together).toEqual(await tables(join(alone, 'fidelio.duckdb')));
    });
  });
  // The report fails while the copy is being written: the error is the report's, thrown after the copy stopped (its file closed, no log beside it).
  await withTempDir(async (dir) => {
    const { step } = recordedSteps();
    await expect(writeRelease(db, dir, 'run-f', 90, {}, async () => { throw new Error('report broke'); }, step)).rejects.toThrow('report broke');
    expect(existsSync(join(dir, 'fidelio.duckdb.wal'))).toBe(false);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
    const copy = await Database.open(join(dir, 'fidelio.duckdb'), { readOnly: true });
    try {
      expect(await copy.value('SELECT count(*) FROM customer_scores')).toBe(await db.value('SELECT count(*) FROM customer_scores'));
    } finally {
      copy.close();
    }
    // The copy fails (its file's folder is gone): thrown, and the working database still answers.
    const { step: step2 } = recordedSteps();
    await expect(writeRelease(db, join(dir, 'missing'), 'run-g', 90, {}, async () => 'x', step2)).rejects.toThrow();
    expect(await db.value('SELECT count(*) FROM duckdb_databases() WHERE database_name = \'publication\'')).toBe(0);
  });
});

test('the previous copy\'s customers are kept when its publication recorded the same customers, written again once one changed: the copy holds what a fresh one holds', async () => {
  const db = run.db;
  const someone = await db.value<string>('SELECT min(customer_id) FROM customers');
  const email = await db.value<string | null>('SELECT email FROM customers WHERE customer_id = $1', [someone]);
  // What a publication does: its copy in its release folder, its rows appended to the working history, the copy recorded.
  const publish = async (dir: string, runId: string, previous?: string) => {
    mkdirSync(join(dir, runId));
    const path = join(dir, runId, 'fidelio.duckdb');
    const written = await writeDatabaseCopy(db, path, runId, 90, previous);
    await commit(runId);
    await recordCopy(db, runId, path, await copiedPrints(db));
    return { path, written };
  };
  try {
    await withTempDir(async (dir) => {
      const first = await publish(dir, 'run-1');
      expect(first.written).toEqual({ historyKept: false });
      // The next publication keeps the previous copy's history and, the same rows as the working ones, its customers.
      const fresh2 = join(dir, 'fresh2.duckdb');
      await writeDatabaseCopy(db, fresh2, 'run-2', 90);
      const second = await publish(dir, 'run-2', first.path);
      expect(second.written).toEqual({ historyKept: true, check: 'recorded', customersKept: true });
      // (fresh2 was written before run-2's rows were committed: both hold the history with run-2's rows once.)
      expect(await contents(second.path)).toEqual(await contents(fresh2));

      // One customer's email changed since: the customers are written again, with it.
      await db.run(`UPDATE customers SET email = 'changed@example.com' WHERE customer_id = $1`, [someone]);
      const fresh3 = join(dir, 'fresh3.duckdb');
      await writeDatabaseCopy(db, fresh3, 'run-3', 90);
      const third = await publish(dir, 'run-3', second.path);
      expect(third.written).toEqual({ historyKept: true, check: 'recorded' });
      expect(await contents(third.path)).toEqual(await contents(fresh3));
      await db.run(`ATTACH '${third.path}' AS t (READ_ONLY)`);
      try {
        expect(await db.value('SELECT email FROM t.customers WHERE customer_id = $1', [someone])).toBe('changed@example.com');
      } finally {
        await db.run('DETACH t');
      }
      // A record made before the prints were (an earlier version's): the history kept, the customers written again.
      await db.run('ALTER TABLE published_copy DROP COLUMN prints');
      const fourth = await publish(dir, 'run-4', third.path);
      expect(fourth.written).toEqual({ historyKept: true, check: 'recorded' });
    });
  } finally {
    await db.run('UPDATE customers SET email = $2 WHERE customer_id = $1', [someone, email]);
    await db.run('DELETE FROM customer_scores_history');
    await db.run('DROP TABLE IF EXISTS published_copy');
  }
});
