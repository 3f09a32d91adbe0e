import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { scoredDatabase } from '../helpers/scoredDatabase.js';
import { withTempDir } from '../helpers/withDb.js';

test('models list, show, promote and rollback over the registry of a database', async () => {
  await withTempDir(async (dir) => {
    const db = await scoredDatabase(dir);
    const list = JSON.parse((await runCli(['models', 'list', '--db', db])).stdout) as { model_version: string; status: string }[];
    expect(list.map((r) => [r.model_version, r.status])).toEqual([['fidelio-aaa', 'champion'], ['fidelio-bbb', 'retired']]);
    const show = JSON.parse((await runCli(['models', 'show', 'fidelio-bbb', '--db', db])).stdout);
    expect(show).toMatchObject({ model_version: 'fidelio-bbb', churn_model: 'bgnbd', meta: null, metrics: null });
    expect((await runCli(['models', 'show', 'fidelio-zzz', '--db', db])).code).toBe(2);

    expect(JSON.parse((await runCli(['models', 'promote', 'fidelio-bbb', '--db', db])).stdout)).toEqual({ champion: 'fidelio-bbb' });
    const after = JSON.parse((await runCli(['models', 'list', '--db', db])).stdout) as { model_version: string; status: string }[];
    expect(after.find((r) => r.status === 'champion')!.model_version).toBe('fidelio-bbb');
    expect(JSON.parse((await runCli(['models', 'rollback', '--db', db])).stdout)).toEqual({ champion: 'fidelio-aaa' });
    expect((await runCli(['models', 'promote', 'fidelio-zzz', '--db', db])).code).toBe(2);
  });
});

test('models list --format table: a line per model with its status and backtest figures', async () => {
  await withTempDir(async (dir) => {
    const out = await runCli(['models', 'list', '--db', await scoredDatabase(dir), '--format', 'table']);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^model_version\s+status\s+as_of\s+churn_model\s+value_model\s+churn_log_loss\s+churn_auc\s+recency_auc\s+value_gini\s+promoted_at$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 5))).toEqual([['fidelio-aaa', 'champion', '2026-09-30', 'neural', 'neural'], ['fidelio-bbb', 'retired', '2026-08-31', 'bgnbd', 'bgnbd']]);
  });
});
