import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../pipeline/config.js';
import { packageRoot } from '../pipeline/db/sqlFile.js';

test('the configuration example in the README is a valid configuration', () => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('```yaml') + '```yaml'.length;
  const example = parse(readme.slice(start, readme.indexOf('```', start)));
  const parsed = configSchema.safeParse(example);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
});

test("the README's stage table is the stage table the runner executes", async () => {
  const { STAGES } = await import('../pipeline/stages.js');
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('| stage | entry file | reads | writes |');
  const lines = readme.slice(start).split('\n').slice(2);
  const rows = lines.slice(0, lines.findIndex((l) => !l.startsWith('|'))).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const tables = (cell: string) => [...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
  expect(rows.map((r) => r[0])).toEqual(STAGES.map((s) => s.name));
  for (const [i, stage] of STAGES.entries()) {
    expect(rows[i]![1], stage.name).toBe(`\`${stage.name}/${stage.name}Stage.ts\``);
    expect(tables(rows[i]![2]!), `${stage.name} reads`).toEqual([...stage.reads]);
    expect(tables(rows[i]![3]!), `${stage.name} writes`).toEqual([...stage.writes]);
  }
});
