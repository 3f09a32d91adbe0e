import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database, literal } from '../../pipeline/db/Database.js';
import { publishStage, type PublishParams } from '../../pipeline/publish/publishStage.js';
import { DATA_DICTIONARY, checkQueries, tableEntry } from '../../pipeline/shared/dataDictionary.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

// The demo taken through the real stages and published: the tables whose columns the dictionary declares.
let run: StagedRun;
let published: Database;
let out: string;
beforeAll(async () => {
  run = await stagedRun('score', { neural: false });
  out = join(run.dir, 'out');
  const params: PublishParams = { horizonDays: 90, currency: 'USD', cmgrMonths: 12, effects: { minGroup: 30, costPerAction: 0, margin: 1 } };
  await publishStage.run(run.ctx, params, run.state as Parameters<typeof publishStage.run>[2]);
  published = await Database.open(join(out, 'fidelio.duckdb'), { readOnly: true });
}, 120_000);
afterAll(() => {
  published?.close();
  run?.close();
});

test('the published database holds exactly the tables the dictionary declares for it, each with its columns in order and their types', async () => {
  const tables = (await published.all<{ table_name: string }>('SELECT table_name FROM information_schema.tables ORDER BY table_name')).map((r) => r.table_name);
  expect(tables).toEqual(DATA_DICTIONARY.filter((t) => t.sinks.includes('duckdb')).map((t) => t.name).sort());
  for (const name of tables) {
    const described = await published.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE ${name})`);
    expect(described.map((c) => `${c.column_name} ${c.column_type}`), name).toEqual(tableEntry(name).columns.map((c) => `${c.name} ${c.type}`));
  }
});

test('the Parquet and CSV files carry the declared columns in order', async () => {
  for (const entry of DATA_DICTIONARY) {
    const names = entry.columns.map((c) => c.name);
    if (entry.sinks.includes('parquet')) {
      const described = await run.db.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${literal(join(out, `${entry.name}.parquet`))}))`);
      expect(described.map((c) => c.column_name), `${entry.name}.parquet`).toEqual(names);
    }
    if (entry.sinks.includes('csv')) {
      const header = readFileSync(join(out, `${entry.name}.csv`), 'utf8').split('\n', 1)[0]!;
      expect(header.split(',').map((h) => h.replace(/^"(.*)"$/, '$1')), `${entry.name}.csv`).toEqual(names);
    }
  }
});

test("the demo's published tables keep every declared check: keys unique, not-nulls, ranges and values", async () => {
  let checked = 0;
  for (const entry of DATA_DICTIONARY.filter((t) => t.sinks.includes('duckdb'))) {
    expect(await published.value<number>(`SELECT count(*) FROM ${entry.name}`), `${entry.name} has rows`).toBeGreaterThan(0);
    for (const { check, sql } of checkQueries(entry)) {
      expect(await published.value<number>(sql), `${entry.name}: ${check}`).toBe(0);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(200);
});

test('each kind of check counts the rows that break it, and only those', async () => {
  const db = await Database.open(':memory:');
  try {
    // Rows made to break one check each, against customer_scores' declaration.
    const entry = tableEntry('customer_scores');
    const cols = entry.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`).join(', ');
    await db.run(`CREATE TABLE t AS SELECT ${cols} WHERE false`);
    const good = `'x', DATE '2026-09-30', 0.5, 'low', 0.5, 1, 1, 1, 1, 1, 1, 1, 10, 1, 5, NULL, 1, 3, false, 1, 1, 1, 'loyal', 'none', NULL, 0.5, NULL, false, false, '', false, false, NULL, 0, '', 'fidelio-a', 'USD', 1, NULL, false, NULL, NULL, 0, 0, NULL`;
    const row = (id: string, change: (v: string[]) => void) => {
      const v = good.split(', ');
      v[0] = literal(id);
      change(v);
      return `(${v.join(', ')})`;
    };
    const at = (name: string) => entry.columns.findIndex((c) => c.name === name);
    await db.run(`INSERT INTO t VALUES ${[
      row('a', () => {}),
      row('b', (v) => { v[at('churn_probability')] = '1.5'; }),
      row('c', (v) => { v[at('churn_risk')] = literal('extreme'); }),
      row('d', (v) => { v[at('value_tier')] = '0'; }),
      row('e', (v) => { v[at('is_vip')] = 'NULL'; }),
      row('e', () => {}),
    ].join(', ')}`);
    const broken: Record<string, number> = {};
    for (const { check, sql } of checkQueries(entry, 't')) {
      const n = await db.value<number>(sql);
      if (n > 0) broken[check] = n;
    }
    expect(broken).toEqual({
      'unique (customer_id)': 1,
      'churn_probability <= 1': 1,
      'churn_risk in (low, medium, high)': 1,
      'value_tier >= 1': 1,
      'is_vip not null': 1,
    });
  } finally {
    db.close();
  }
});
