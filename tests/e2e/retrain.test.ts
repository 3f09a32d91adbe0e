import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

// The most common scheduled run: a retrain whose challenger loses. The champion must score and the
// challenger's figures be published beside its own (issue 13: this branch crashed with a ReferenceError).
test('a retrain whose challenger loses keeps the champion, scores with it and publishes the challenger beside it', async () => {
  await withTempDir(async (dir) => {
    const db = join(dir, 'f.duckdb');
    const args = ['run', '--db', db, '--out', join(dir, 'out'), '--models', join(dir, 'models')];
    const demo = writeFile(dir, 'demo.json', JSON.stringify({ demo: { customers: 3000 } }));
    expect((await runCli([...args, '--config', demo])).code).toBe(0);
    const first = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
    const firstScores = readFileSync(join(dir, 'out', 'customer_scores.csv'), 'utf8');
    expect(first.model).toMatchObject({ promoted: true });
    const firstMetrics = JSON.parse(readFileSync(join(dir, 'out', 'model_metrics.json'), 'utf8'));
    expect([firstMetrics.churn.model, firstMetrics.value.model]).toContain('neural');

    // Without the networks the challenger cannot match the networks' figures on the same holdout.
    const noNetworks = writeFile(dir, 'plain.json', JSON.stringify({ demo: { customers: 3000 }, neural: false }));
    const second = await runCli([...args, '--config', noNetworks, '--retrain']);
    expect(second.errors).toBe('');
    expect(second.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
    expect(manifest.outcome).toBe('succeeded');
    expect(manifest.model.promoted).toBe(false);
    expect(manifest.model.trained).not.toBe(first.model_version);
    expect(manifest.model.reason).toContain(`does not beat the champion ${first.model_version}`);
    expect(manifest.model_version).toBe(first.model_version);
    expect(manifest.tfjs_backend).toBeDefined();

    // The champion scored: the same scores as the first run's, with its model version.
    expect(readFileSync(join(dir, 'out', 'customer_scores.csv'), 'utf8')).toBe(firstScores);
    const metrics = JSON.parse(readFileSync(join(dir, 'out', 'model_metrics.json'), 'utf8'));
    expect(metrics.model_version).toBe(first.model_version);
    expect(metrics.churn).toEqual(firstMetrics.churn);
    expect(metrics.challenger.model_version).toBe(manifest.model.trained);
    expect([metrics.challenger.churn.model, metrics.challenger.value.model]).not.toContain('neural');
    expect(metrics.challenger.churn.log_loss > metrics.churn.log_loss || metrics.challenger.value.normalized_gini < metrics.value.normalized_gini).toBe(true);

    const list = JSON.parse((await runCli(['models', 'list', '--db', db])).stdout) as { model_version: string; status: string }[];
    expect(list.map((r) => [r.model_version, r.status]).sort()).toEqual([
      [first.model_version, 'champion'], [manifest.model.trained, 'challenger'],
    ].sort());
  });
}, 180_000);
