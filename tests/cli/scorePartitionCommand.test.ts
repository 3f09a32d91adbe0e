import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/withDb.js';

test('score-partition refuses a malformed share and a database with no run, exit 2', async () => {
  await withTempDir(async (dir) => {
    const bad = await runCli(['score-partition', '--part', '4/4', '--out', `${dir}/p.parquet`, '--db', `${dir}/f.duckdb`]);
    expect(bad.code).toBe(2);
    expect(bad.errors).toContain('--part must be k/N with 0 <= k < N');
    const none = await runCli(['score-partition', '--part', '0/2', '--out', `${dir}/p.parquet`, '--db', `${dir}/f.duckdb`]);
    expect(none.code).toBe(2);
    expect(none.errors).toContain('run "fidelio run" first');
  });
});
