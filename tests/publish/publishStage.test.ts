import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { publishStage, type PublishParams } from '../../pipeline/publish/publishStage.js';
import { scoreAgain, stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('score', { neural: false });
});
afterAll(() => run.close());

test('publishes the release at once and records its contacts in the history in the same step; a failure leaves the previous release', async () => {
  const params: PublishParams = { horizonDays: 90, currency: 'USD', cmgrMonths: 12, effects: { minGroup: 30, costPerAction: 0, margin: 1 } };
  const input = run.state as Parameters<typeof publishStage.run>[2];
  const out = await publishStage.run(run.ctx, params, input);
  expect(readdirSync(join(run.dir, 'out')).sort()).toEqual([
    'README.md', 'action_effects.csv', 'action_effects.parquet', 'customer_scores.csv', 'customer_scores.parquet', 'fidelio.duckdb', 'kpis_by_group.csv', 'kpis_by_group.parquet',
    'kpis_monthly.csv', 'kpis_monthly.parquet', 'model_metrics.json', 'persona_choice.csv', 'persona_choice.parquet', 'personas.csv', 'personas.parquet', 'report.html', 'run_manifest.json',
    'segment_personas.csv', 'segment_personas.parquet',
  ]);
  // The release's README names every file beside it, from the data dictionary.
  const readme = readFileSync(join(run.dir, 'out', 'README.md'), 'utf8');
  for (const file of readdirSync(join(run.dir, 'out'))) expect(readme, file).toContain(`| \`${file}\` |`);
  expect(readme).toContain(`Run \`test-run\`, scores as of ${run.state.asOf}`);
  expect(out.release).toBe(join(run.dir, '.out.releases', 'test-run'));
  expect(out.rejectedByReason!.reduce((s, r) => s + r.lines, 0)).toBe(7);
  const manifest = JSON.parse(readFileSync(join(run.dir, 'out', 'run_manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ outcome: 'succeeded', run_id: 'test-run' });
  expect(manifest.stages.at(-1).name).toBe('publish');
  const n = await run.db.value<number>('SELECT count(*) FROM customer_scores');
  expect(await run.db.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'test-run'`)).toBe(n);
  // The scores `fidelio list` serves are the table the score stage wrote, renamed; customer_scores reads them.
  expect(await run.db.isTable('published_scores')).toBe(true);
  expect(await run.db.isView('customer_scores')).toBe(true);
  expect(await run.db.value('SELECT count(*) FROM customer_scores')).toBe(n);
  // The copy recorded with the history as committed: the next publication starts from it without reading either history.
  const copy = statSync(join(run.dir, 'out', 'fidelio.duckdb'), { bigint: true });
  expect(await run.db.one('SELECT release, file, history_rows FROM published_copy')).toEqual({
    release: 'test-run', file: `${copy.ino}:${copy.size}:${copy.mtimeNs}`, history_rows: await run.db.value('SELECT count(*) FROM customer_scores_history'),
  });

  // A second publication that cannot be written: a data error saying the previous one is intact; no history added.
  const ctx = { ...run.ctx, runId: 'broken-run' };
  writeFileSync(join(run.dir, '.out.releases', 'broken-run.partial'), 'a file where the release folder should go');
  await expect(publishStage.run(ctx, params, input)).rejects.toThrow(DataError);
  await expect(publishStage.run(ctx, params, input)).rejects.toThrow(/The previous publication in .* is intact/);
  // The file system's own error rides along as the cause, for whoever debugs.
  const failed = (await publishStage.run(ctx, params, input).catch((e: unknown) => e)) as DataError;
  expect((failed.cause as NodeJS.ErrnoException).code).toMatch(/^E[A-Z]+$/);
  // A mistake in fidelio's own code is not a data error: it goes up as it is, with its stack.
  const bug = await publishStage.run({ ...run.ctx, runId: 'bug-run' }, params, { ...input, models: undefined } as unknown as typeof input).catch((e: unknown) => e);
  expect(bug).toBeInstanceOf(TypeError);
  expect(bug).not.toBeInstanceOf(DataError);
  expect(readFileSync(join(run.dir, 'out', 'run_manifest.json'), 'utf8')).toContain('"run_id": "test-run"');
  expect(await run.db.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'broken-run'`)).toBe(0);
  expect(await run.db.value('SELECT release FROM published_copy')).toBe('test-run');
});

test('the history rows and the listed scores, made while the release is written, are committed with it and only with it', async () => {
  const params: PublishParams = { horizonDays: 90, currency: 'USD', cmgrMonths: 12, effects: { minGroup: 30, costPerAction: 0, margin: 1 } };
  const input = run.state as Parameters<typeof publishStage.run>[2];
  const db = run.db;
  const published = async () => (await db.all('SELECT * FROM published_scores ORDER BY customer_id')).map((r) => JSON.stringify(r));
  await publishStage.run({ ...run.ctx, runId: 'run-a' }, params, input);
  const n = await db.value<number>('SELECT count(*) FROM customer_scores');
  expect(await db.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'run-a'`)).toBe(n);
  expect(await published()).toEqual((await db.all('SELECT * FROM customer_scores ORDER BY customer_id')).map((r) => JSON.stringify(r)));
  const before = await published();
  const historyBefore = await db.value<number>('SELECT count(*) FROM customer_scores_history');

  // The next run's scores differ; its CSV cannot be written (a folder where the file goes) while the history rows are being made.
  await scoreAgain(db);
  await db.run('UPDATE customer_scores SET churn_probability = churn_probability / 2');
  try {
    mkdirSync(join(run.dir, '.out.releases', 'run-b.partial', 'customer_scores.csv'), { recursive: true });
    await expect(publishStage.run({ ...run.ctx, runId: 'run-b' }, params, input)).rejects.toThrow(/The previous publication in .* is intact/);
    expect(readlinkSync(join(run.dir, 'out'))).toMatch(/run-a$/);
    expect(await db.value('SELECT count(*) FROM customer_scores_history')).toBe(historyBefore);
    expect(await db.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'run-b'`)).toBe(0);
    expect(await published()).toEqual(before);
    // Nothing is left open: the next publication goes through, with the new scores.
    rmSync(join(run.dir, '.out.releases', 'run-b.partial'), { recursive: true });
    await publishStage.run({ ...run.ctx, runId: 'run-c' }, params, input);
    expect(readlinkSync(join(run.dir, 'out'))).toMatch(/run-c$/);
    expect(await db.value(`SELECT count(*) FROM customer_scores_history WHERE run_id = 'run-c'`)).toBe(n);
    expect(await published()).not.toEqual(before);
    expect(await db.value('SELECT count(*) FROM (SELECT * FROM published_scores EXCEPT SELECT * FROM customer_scores)')).toBe(0);
  } finally {
    await scoreAgain(db);
    await db.run('UPDATE customer_scores SET churn_probability = churn_probability * 2');
  }
});
