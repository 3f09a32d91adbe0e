import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { publishStage, type PublishParams } from '../../pipeline/publish/publishStage.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

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
});
