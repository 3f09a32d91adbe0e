import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { scoredDatabase } from '../helpers/scoredDatabase.js';
import { withTempDir } from '../helpers/withDb.js';

test('runs lists the recorded runs newest first, with outcome and error', async () => {
  await withTempDir(async (dir) => {
    const out = await runCli(['runs', '--db', await scoredDatabase(dir)]);
    expect(out.code).toBe(0);
    const rows = JSON.parse(out.stdout) as { run_id: string; outcome: string; error: string | null; as_of: string | null }[];
    expect(rows.map((r) => [r.run_id, r.outcome, r.error, r.as_of])).toEqual([['r2', 'failed', 'no usable orders', null], ['r1', 'succeeded', null, '2026-09-30']]);
  });
});
