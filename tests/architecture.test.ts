import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../pipeline/db/sqlFile.js';

const pipeline = join(packageRoot, 'pipeline');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The pipeline's modules and the modules each imports (relative imports, type-only ones included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(pipeline)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    graph.set(file, targets);
  }
  return graph;
}

/** A module's node in the folder graph: its folder under pipeline/, or the file itself for the top-level modules. */
const node = (file: string) => {
  const rel = relative(pipeline, file);
  return rel.includes('/') ? rel.split('/')[0]! : rel;
};

/** Cycles in a directed graph (each as the path that closes it), by depth-first search. */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    path.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...path.slice(path.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return found;
}

test('no folder of pipeline/ imports another in a circle (type-only imports included)', () => {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of importGraph()) {
    const from = node(file);
    for (const target of targets) {
      const to = node(target);
      if (to !== from) folders.set(from, (folders.get(from) ?? new Set()).add(to));
    }
  }
  expect(cycles(folders)).toEqual([]);
  // The libraries import no stage: btyd (models), learn (networks), shared (metrics, random, specs).
  const stages = ['ingest', 'features', 'train', 'score', 'publish', 'run.ts', 'stages.ts', 'cli', 'cli.ts'];
  for (const library of ['btyd', 'learn', 'shared', 'db']) {
    expect([...(folders.get(library) ?? [])].filter((f) => stages.includes(f)), library).toEqual([]);
  }
});

test('every module of pipeline/ that has code has its own test file mirroring it', () => {
  // Modules that declare only types have nothing to run; the entry point only calls main().
  const exempt = new Set(['bin.ts', 'manifest.ts', 'stage.ts', 'shared/actionRate.ts', 'serve/lists.ts', 'inspect/finding.ts']);
  const missing = files(pipeline)
    .map((f) => relative(pipeline, f))
    .filter((rel) => !exempt.has(rel))
    .filter((rel) => !existsSync(join(packageRoot, 'tests', rel.replace(/\.ts$/, '.test.ts'))));
  expect(missing).toEqual([]);
});

test('every SQL file is read by the code beside it', () => {
  const sqlFiles = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sqlFiles(path) : path.endsWith('.sql') ? [relative(pipeline, path)] : [];
  });
  const code = files(pipeline).map((f) => readFileSync(f, 'utf8')).join('\n');
  // Named whole (readSql('features/customer_features.sql')) or by its base name (reportData's sql('report_tiers')).
  expect(sqlFiles(pipeline).filter((sql) => !code.includes(sql.replace(/\.sql$/, '')) && !code.includes(`'${sql.split('/').pop()!.replace(/\.sql$/, '')}'`))).toEqual([]);
});

test('the model libraries (btyd/, learn/) take arrays and return arrays: none imports from db/ or reads SQL', () => {
  const libraries = ['btyd', 'learn'];
  const offending = [...importGraph()].filter(([file]) => libraries.includes(node(file))).flatMap(([file, targets]) => {
    const rel = relative(pipeline, file);
    const text = readFileSync(file, 'utf8');
    return [
      ...targets.filter((t) => node(t) === 'db').map((t) => `${rel} imports ${relative(pipeline, t)}`),
      // A SQL file named in a string, the SQL file reader, or the DuckDB client itself (comments may name a SQL file).
      ...(/readSql|['"`][^'"`\n]*\.sql['"`]|@duckdb\//.test(text) ? [`${rel} reads SQL or DuckDB`] : []),
    ];
  });
  // Nor do SQL files live beside them: they move with the stage code that runs them.
  const sqlBeside = libraries.flatMap((l) => readdirSync(join(pipeline, l)).filter((f) => f.endsWith('.sql')).map((f) => `${l}/${f}`));
  expect([...offending, ...sqlBeside]).toEqual([]);
});
