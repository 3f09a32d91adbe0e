import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { buildActionEffects } from '../../pipeline/effects/buildActionEffects.js';
import { buildKpis } from '../../pipeline/publish/buildKpis.js';
import { writeDatabaseCopy, writeTableFiles } from '../../pipeline/publish/releaseFiles.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';
import { withTempDir } from '../helpers/withDb.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('score', { neural: false });
  await buildKpis(run.db, run.state.asOf!, { horizonDays: 90, currency: 'USD', cmgrMonths: 12 });
  await buildActionEffects(run.db, 'test-run', run.state.asOf!, { horizonDays: 90, minGroup: 30, costPerAction: 0, margin: 1 });
});
afterAll(() => run.close());

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
