import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { runCli } from '../helpers/cli.js';
import { scoredDatabase } from '../helpers/scoredDatabase.js';
import { withTempDir } from '../helpers/withDb.js';

test('rejected lists a run\'s rejected lines (the latest run by default), by class, or their summary; an unknown run is a usage error', async () => {
  await withTempDir(async (dir) => {
    const path = await scoredDatabase(dir);
    const db = await Database.open(path);
    await db.run(`INSERT INTO rejected_rows (run_id, kind, file, line, raw, reason, reason_class) VALUES
      ('r2', 'orders', 'o.csv', 3, '=cmd,x', 'amount ''x'' is not a number', 'amount_not_a_number'),
      ('r2', 'orders', 'o.csv', 5, 'y', 'missing order_id', 'missing_order_id'),
      ('r1', 'orders', 'o.csv', 7, 'z', 'missing order_id', 'missing_order_id')`);
    db.close();
    const latest = JSON.parse((await runCli(['rejected', '--db', path, '--format', 'json'])).stdout) as { run_id: string; line: number }[];
    expect(latest.map((r) => [r.run_id, r.line])).toEqual([['r2', 3], ['r2', 5]]);
    const byClass = JSON.parse((await runCli(['rejected', '--db', path, '--run', 'r1', '--class', 'missing_order_id', '--format', 'json'])).stdout);
    expect(byClass).toEqual([{ run_id: 'r1', kind: 'orders', file: 'o.csv', line: 7, reason_class: 'missing_order_id', reason: 'missing order_id', raw: 'z' }]);
    const summary = (await runCli(['rejected', '--db', path, '--summary'])).stdout.trim().split('\n');
    expect(summary[0]).toBe('kind,reason_class,lines,example_line,example_reason,example_raw');
    expect(summary).toHaveLength(3);
    const top = (await runCli(['rejected', '--db', path, '--top', '1', '--out', join(dir, 'r.csv')]));
    expect(top.code).toBe(0);
    expect((await runCli(['rejected', '--db', path, '--run', 'nope'])).code).toBe(2);
    expect((await runCli(['rejected', '--db', path, '--top', '0'])).code).toBe(2);
  });
});

test('rejected --out on an existing folder is said in words, exit 2, never a stack trace', async () => {
  await withTempDir(async (dir) => {
    const path = await scoredDatabase(dir);
    const r = await runCli(['rejected', '--db', path, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.errors).toBe(`cannot write --out ${dir} is a folder: give --out a file name (such as ${dir}/list.csv) (EISDIR)`);
    expect(r.logs.some((l) => 'err' in l)).toBe(false);
  });
});
