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

test('docs/fidelio.example.yaml is a valid configuration, and the scheduling examples run it with the flags fidelio has', async () => {
  const example = parse(readFileSync(join(packageRoot, 'docs', 'fidelio.example.yaml'), 'utf8'));
  const parsed = configSchema.safeParse(example);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  expect(parsed.data).toMatchObject({ currency: 'EUR', timezone: 'Europe/Madrid', scoring: { budget: { maxActions: 500 } } });
  const scheduling = readFileSync(join(packageRoot, 'docs', 'scheduling.md'), 'utf8');
  expect(scheduling).toContain('15 2 * * * cd /srv/fidelio && npx fidelio run --config /etc/fidelio/fidelio.yaml --wait --max-minutes 120');
  expect(scheduling).toContain('OnCalendar=*-*-* 02:15:00');
  // Every flag the examples give is one `fidelio run` (or list, runs) knows.
  const { buildProgram } = await import('../pipeline/cli.js');
  const { silentLogger } = await import('../pipeline/log.js');
  const program = buildProgram(silentLogger, () => undefined);
  const known = new Set(program.commands.flatMap((c) => c.options.map((o) => o.long)));
  const fidelioLines = scheduling.split('\n').filter((l) => /fidelio (run|list|runs) /.test(l));
  expect(fidelioLines.length).toBeGreaterThan(3);
  for (const flag of new Set(fidelioLines.flatMap((l) => [...l.matchAll(/ (--[a-z-]+)/g)].map((m) => m[1]!)))) expect(known.has(flag), flag).toBe(true);
});
