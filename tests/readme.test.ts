import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../pipeline/config.js';
import { packageRoot } from '../pipeline/db/sqlFile.js';

test('the configuration example in docs/configuration.md is a valid configuration', () => {
  const page = readFileSync(join(packageRoot, 'docs', 'configuration.md'), 'utf8');
  expect(page).toContain('```yaml');
  const start = page.indexOf('```yaml') + '```yaml'.length;
  const example = parse(page.slice(start, page.indexOf('```', start)));
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

/** GitHub's anchor of a heading: lower case, punctuation but hyphens and underscores dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a Markdown page's headings (outside code blocks), a repeated heading numbered as GitHub numbers it. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!m) continue;
    const base = anchorOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

test('a heading\'s anchor is the one GitHub gives it', () => {
  expect(anchorOf('The page: `fidelio serve`')).toBe('the-page-fidelio-serve');
  expect(anchorOf('Buyer personas: personas.csv, segment_personas.csv')).toBe('buyer-personas-personascsv-segment_personascsv');
  expect(anchorOf('Scheduled runs: locks, kills and failures')).toBe('scheduled-runs-locks-kills-and-failures');
  expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### B-c d')]).toEqual(['a', 'a-1', 'b-c-d']);
});

test('every relative link of the README and docs/ leads to a file that exists, and its anchor to a heading of it', () => {
  const pages = ['README.md', ...readdirSync(join(packageRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  expect(pages).toEqual(expect.arrayContaining(['docs/inputs.md', 'docs/configuration.md', 'docs/outputs.md', 'docs/models.md', 'docs/operations.md', 'docs/performance.md', 'docs/open-work.md']));
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const text = readFileSync(join(packageRoot, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      checked++;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path ? join(packageRoot, dirname(page), path) : join(packageRoot, page);
      if (!existsSync(file)) { broken.push(`${page}: ${target} (no file ${relative(packageRoot, file)})`); continue; }
      if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor})`);
    }
  }
  expect(broken).toEqual([]);
  expect(checked).toBeGreaterThan(40);
});

test("the command the README runs (npx fidelio) is executable as built: npx links it once and runs the file, rebuilt or not", () => {
  const bin = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).bin.fidelio as string;
  // The test command builds first (npm run build, as npm install's prepare does): a build that left the file
  // without its executable bits made `npx fidelio` fail with "Permission denied" wherever npx had run before.
  expect(statSync(join(packageRoot, bin)).mode & 0o111).toBe(0o111);
  expect(readFileSync(join(packageRoot, bin), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
});
