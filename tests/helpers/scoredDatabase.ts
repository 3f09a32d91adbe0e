import { join } from 'node:path';
import { Database } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';

/**
 * A database file as a run leaves it, built by hand: a few customers in
 * customer_scores and published_scores (the columns `fidelio list` reads),
 * their countries, a model in the registry and two runs.
 */
export async function scoredDatabase(dir: string): Promise<string> {
  const path = join(dir, 'scored.duckdb');
  const db = await Database.open(path);
  try {
    await migrate(db);
    await db.run(`CREATE TABLE customer_scores AS SELECT * FROM (VALUES
      ('c1', true, 'high', 'save', 1, 'champions', true, 900.0, 1),
      ('c2', true, 'medium', 'save', 1, 'loyal', true, 500.0, 3),
      ('c3', true, 'low', 'surprise', 1, 'champions', true, 100.0, 1),
      ('c4', false, 'high', 'save', 2, 'at_risk', true, 300.0, 4),
      ('c5', true, 'high', 'save', 1, 'cant_lose', false, 800.0, 2)
    ) t(customer_id, is_vip, churn_risk, action, value_tier, segment, contact, value_at_risk, action_priority)`);
    // What the last publication switched in (`fidelio list` reads this, not customer_scores).
    await db.run('CREATE TABLE published_scores AS SELECT * FROM customer_scores');
    await db.run(`INSERT INTO customers (customer_id, country) VALUES ('c1', 'ES'), ('c2', 'FR'), ('c4', 'ES')`);
    await db.run(`INSERT INTO runs VALUES ('r1', TIMESTAMPTZ '2026-10-01 10:00:00Z', TIMESTAMPTZ '2026-10-01 10:05:00Z', DATE '2026-09-30', 'succeeded', NULL, '{}'),
      ('r2', TIMESTAMPTZ '2026-10-02 10:00:00Z', NULL, NULL, 'failed', 'no usable orders', '{}')`);
    await db.run(`INSERT INTO model_registry (model_version, created_at, run_id, path, as_of, holdout_cutoff, churn_model, value_model, status, promoted_at)
      VALUES ('fidelio-aaa', TIMESTAMPTZ '2026-10-01 10:04:00Z', 'r1', '/nowhere/fidelio-aaa', DATE '2026-09-30', DATE '2026-07-02', 'neural', 'neural', 'champion', TIMESTAMPTZ '2026-10-01 10:04:00Z'),
             ('fidelio-bbb', TIMESTAMPTZ '2026-09-01 10:04:00Z', 'r0', '/nowhere/fidelio-bbb', DATE '2026-08-31', DATE '2026-06-02', 'bgnbd', 'bgnbd', 'retired', TIMESTAMPTZ '2026-09-01 10:04:00Z')`);
  } finally {
    db.close();
  }
  return path;
}
