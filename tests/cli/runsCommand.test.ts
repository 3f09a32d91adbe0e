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

test('runs --format table: one aligned line per run under a header (what a terminal gets by default)', async () => {
  await withTempDir(async (dir) => {
    const db = await scoredDatabase(dir);
    const out = await runCli(['runs', '--db', db, '--format', 'table']);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run_id\s+started_at\s+finished_at\s+as_of\s+outcome\s+error$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^r2 .* failed\s+no usable orders$/);
    expect(lines[3]).toMatch(/^r1 .* 2026-09-30\s+succeeded$/);
    // Every line's columns start where the header's do.
    expect(lines[3]!.indexOf('succeeded')).toBe(lines[0]!.indexOf('outcome'));
    expect((await runCli(['runs', '--db', db, '--format', 'xml'])).code).toBe(2);
  });
});
