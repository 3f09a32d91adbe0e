import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { Database } from '../../pipeline/db/Database.js';
import { packageRoot } from '../../pipeline/db/sqlFile.js';
import { champion, loadModelVersion } from '../../pipeline/registry/registry.js';
import { combinePartitions } from '../../pipeline/score/scorePartition.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

// The built CLI (npm test compiles it before the suite), as a scheduler's workers would run it.
const BIN = join(packageRoot, 'dist', 'pipeline', 'bin.js');

function worker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const MODEL_COLUMNS = `customer_id, p_alive, p_no_purchase, expected_purchases, expected_purchases_p10, expected_purchases_p90,
  expected_order_value, expected_spend, clv_12m, clv_12m_p10, clv_12m_p90, churn_probability, network_churn_probability,
  network_predicted_value`;
/** The same figures from the run's own tables. */
const MODEL_TABLES = `(SELECT f.customer_id, b.* EXCLUDE (customer_id), c.churn_probability, n.churn_probability AS network_churn_probability,
    n.predicted_value AS network_predicted_value
  FROM customer_features f LEFT JOIN btyd_scores b USING (customer_id) LEFT JOIN churn_scores c USING (customer_id)
  LEFT JOIN neural_scores n USING (customer_id))`;

test('three workers scoring shares in parallel give the scores of one process, and the union ranks to the same customer_scores', async () => {
  await withTempDir(async (dir) => {
    const dbPath = join(dir, 'f.duckdb');
    const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 900, months: 24 }, scoring: { intervalDraws: 10 } }));
    const run = await runCli(['run', '--db', dbPath, '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config]);
    expect(run.code).toBe(0);

    // Three workers at once, each reading the working database read-only.
    const parts = [0, 1, 2].map((k) => join(dir, `part-${k}.parquet`));
    const results = await Promise.all(parts.map((out, k) => worker(['score-partition', '--db', dbPath, '--config', config, '--part', `${k}/3`, '--out', out])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const counts = results.map((r) => (JSON.parse(r.stdout) as { customers: number }).customers);

    const db = await Database.open(dbPath);
    try {
      const customers = await db.value<number>('SELECT count(*) FROM customer_features');
      expect(counts.reduce((a, b) => a + b, 0)).toBe(customers);
      for (const c of counts) expect(c).toBeGreaterThan(customers / 5);
      const glob = join(dir, 'part-*.parquet');
      // Every customer's model figures are those the single process gave, to the last bit.
      const differing = await db.value<number>(`SELECT count(*) FROM (
        SELECT ${MODEL_COLUMNS} FROM read_parquet('${glob}') EXCEPT ALL SELECT ${MODEL_COLUMNS} FROM ${MODEL_TABLES})`);
      expect(differing).toBe(0);

      // The union, ranked once, is the run's customer_scores.
      await db.run('CREATE TABLE scores_one_process AS SELECT * FROM customer_scores');
      const cfg = loadConfig(config, { db: dbPath });
      const models = await loadModelVersion((await champion(db))!.path);
      expect(await combinePartitions(db, glob, models, cfg)).toBe(customers);
      expect(await db.value<number>('SELECT count(*) FROM (SELECT * FROM customer_scores EXCEPT ALL SELECT * FROM scores_one_process)')).toBe(0);
      expect(await db.value<number>(`SELECT count(*) FROM customer_scores WHERE action <> 'none'`)).toBeGreaterThan(100);

      // A missing share is refused, not published as a smaller base.
      await expect(combinePartitions(db, join(dir, 'part-[01].parquet'), models, cfg)).rejects.toThrow(/a part is missing, repeated or from another run/);
    } finally {
      db.close();
    }
  });
}, 240_000);
