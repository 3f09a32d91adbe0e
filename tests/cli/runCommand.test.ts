import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

test('run --help lists its options; bad usage and configuration exit 2 with every problem listed', async () => {
  const help = await runCli(['run', '--help']);
  expect(help.code).toBe(0);
  expect((await runCli(['run', '--bogus'])).code).toBe(2);
  expect((await runCli(['run', '--horizon-days', 'ninety'])).code).toBe(2);
  await withTempDir(async (dir) => {
    const config = writeFile(dir, 'c.json', JSON.stringify({ horizonDays: 2, colour: 'red', scoring: { vip: { rule: 'x' } } }));
    const out = await runCli(['run', '--config', config, '--db', join(dir, 'f.duckdb')]);
    expect(out.code).toBe(2);
    expect(out.errors).toContain('horizonDays: Too small');
    expect(out.errors).toContain('unknown key(s) "colour"');
    expect(out.errors).toContain('scoring.vip.rule');
    const missing = await runCli(['run', '--orders', join(dir, 'nope.csv'), '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out')]);
    expect(missing.code).toBe(2);
    expect(missing.errors).toContain('does not exist');
  });
});
