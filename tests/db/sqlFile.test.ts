import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot, readSql } from '../../pipeline/db/sqlFile.js';

test('SQL files are read from beside the pipeline source, from src or dist alike', () => {
  expect(existsSync(join(packageRoot, 'package.json'))).toBe(true);
  const sql = readSql('features/btyd_summary.sql');
  expect(sql).toContain('query_table($source)');
  expect(readSql('features/btyd_summary.sql')).toBe(sql);
  expect(() => readSql('nowhere/none.sql')).toThrow(/ENOENT/);
});
