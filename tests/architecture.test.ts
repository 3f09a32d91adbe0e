import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';
import { packageRoot } from '../pipeline/db/sqlFile.js';
import { STAGES } from '../pipeline/stages.js';

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
  const stages = ['ingest', 'features', 'train', 'score', 'publish', 'runner', 'stages.ts', 'cli', 'cli.ts'];
  for (const library of ['btyd', 'learn', 'shared', 'db']) {
    expect([...(folders.get(library) ?? [])].filter((f) => stages.includes(f)), library).toEqual([]);
  }
});

test('every module of pipeline/ that has code has its own test file mirroring it', () => {
  // Modules that declare only types have nothing to run; the entry point only calls main().
  const exempt = new Set(['bin.ts', 'manifest.ts', 'shared/actionRate.ts', 'serve/lists.ts', 'inspect/finding.ts']);
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

/**
 * What a module imports, as the TypeScript compiler reads it: static and
 * type-only imports, `export ... from`, dynamic `import('...')` and
 * `require`, comments ignored; and the SQL files of other folders it names
 * ('publish/report_kpis.sql'), which tie it to that folder as an import does.
 */
function moduleImports(text: string): { modules: string[]; sql: string[] } {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return {
    modules: importedFiles.map((f) => f.fileName).filter((f) => f.startsWith('.')),
    sql: [...text.matchAll(/'([a-z]+\/[A-Za-z_]+\.sql)'/g)].map((m) => m[1]!),
  };
}

/** pipeline/'s modules (relative to it) and, for each, the modules and SQL files it imports (relative to pipeline/). */
function moduleGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(pipeline)) {
    const { modules, sql } = moduleImports(readFileSync(file, 'utf8'));
    graph.set(relative(pipeline, file), [...new Set([
      ...modules.map((m) => relative(pipeline, resolve(dirname(file), m.replace(/\.js$/, '.ts')))),
      ...sql,
    ])]);
  }
  return graph;
}

/** A module's place: its folder under pipeline/, or its own name at the top level. */
const place = (rel: string) => (rel.includes('/') ? rel.split('/')[0]! : rel);
/** The stages' folders, in the order of the stage table. */
const STAGE_ORDER = STAGES.map((s) => s.name);
/** Above the stages: what runs them or serves and inspects for them (the runner, the commands, the stage list); these may import any stage. */
const ABOVE_STAGES = ['runner', 'cli', 'serve', 'inspect', 'bin.ts', 'cli.ts', 'stages.ts'];

test('the import reader sees type-only imports, re-exports, dynamic imports and SQL files, and not comments', () => {
  const read = moduleImports(`import type { A } from './a.js';
    export { B } from '../b/b.js';
    export * from './c.js';
    // import { D } from './d.js';
    const e = await import('./e.js');
    const sql = readSql('publish/report_kpis.sql');`);
  expect(read).toEqual({ modules: ['./a.js', '../b/b.js', './c.js', './e.js'], sql: ['publish/report_kpis.sql'] });
});

test('no stage imports a later stage (the order of stages.ts), its modules or its SQL files', () => {
  expect(STAGE_ORDER.filter((name) => !existsSync(join(pipeline, name, `${name}Stage.ts`))), 'stages without their folder').toEqual([]);
  const later: string[] = [];
  for (const [from, targets] of moduleGraph()) {
    const i = STAGE_ORDER.indexOf(place(from));
    if (i < 0) continue;
    for (const to of targets) if (STAGE_ORDER.indexOf(place(to)) > i) later.push(`${from} imports ${to}`);
  }
  expect(later).toEqual([]);
});

test('no two modules import each other, directly or round a longer circle (type-only and dynamic imports included)', () => {
  const graph = moduleGraph();
  const edges = new Map([...graph].map(([from, targets]) => [from, new Set(targets.filter((t) => graph.has(t)))]));
  expect(cycles(edges).map((c) => c.join(' → '))).toEqual([]);
});

test('the libraries import no stage, and neither they nor the stages import the runner, the commands or the stage list', () => {
  const wrong: string[] = [];
  for (const [from, targets] of moduleGraph()) {
    const at = place(from);
    if (ABOVE_STAGES.includes(at)) continue;
    const stage = STAGE_ORDER.includes(at);
    for (const to of targets) {
      const there = place(to);
      if (ABOVE_STAGES.includes(there)) wrong.push(`${from} imports ${to}, which is above the stages`);
      else if (!stage && STAGE_ORDER.includes(there)) wrong.push(`${from} (a library) imports the ${there} stage's ${to}`);
    }
  }
  expect(wrong).toEqual([]);
});

test('the model libraries (btyd/, learn/) take arrays and return arrays: none imports from db/ or reads SQL', () => {
  const libraries = ['btyd', 'learn'];
  const offending = [...moduleGraph()].filter(([from]) => libraries.includes(place(from))).flatMap(([from, targets]) => [
    ...targets.filter((to) => place(to) === 'db' || to.endsWith('.sql')).map((to) => `${from} imports ${to}`),
    // The SQL file reader or the DuckDB client itself, however imported.
    ...(/readSql|@duckdb\//.test(readFileSync(join(pipeline, from), 'utf8')) ? [`${from} reads SQL or DuckDB`] : []),
  ]);
  // Nor do SQL files live beside them: they move with the stage code that runs them.
  const sqlBeside = libraries.flatMap((l) => readdirSync(join(pipeline, l)).filter((f) => f.endsWith('.sql')).map((f) => `${l}/${f}`));
  expect([...offending, ...sqlBeside]).toEqual([]);
});

/** The modules `file` loads when it runs: its imports and re-exports but those that bring types alone (`import type`, or every name a type). */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typesOnly = clause && (clause.isTypeOnly || (!clause.name && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
      if (!typesOnly) out.push((s.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) {
      out.push((s.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

test('the threads that score BTYD figures and bound reasons load no TensorFlow.js (its loading costs each thread a third of a second and 50 MB)', () => {
  const loads = (start: string): string[] => {
    const seen = new Set<string>();
    const packages: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of valueImports(file)) {
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else packages.push(`${relative(pipeline, file)} imports ${spec}`);
      }
    };
    visit(join(pipeline, start));
    return packages.filter((p) => /@tensorflow\//.test(p));
  };
  expect(loads('score/reasonsWorker.ts')).toEqual([]);
  expect(loads('btyd/summaryScorerWorker.ts')).toEqual([]);
  // The reader sees a value import: the networks' own module loads TensorFlow.js.
  expect(loads('score/occlusionReasons.ts').length).toBeGreaterThan(0);
});
