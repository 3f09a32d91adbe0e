import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config, type ConfigInput } from '../../pipeline/config.js';
import { Database, ident } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { silentLogger } from '../../pipeline/log.js';
import type { RunManifest } from '../../pipeline/manifest.js';
import { untimed } from '../../pipeline/measure.js';
import type { StageContext } from '../../pipeline/stage.js';
import { Publication } from '../../pipeline/runner/publication.js';
import { PIPELINE, type RunState } from '../../pipeline/stages.js';
import { SampleTables } from '../../pipeline/features/trainingSample.js';
import { buildTrainingData } from '../../pipeline/train/trainingData.js';
import { buildActionEffects } from '../../pipeline/effects/buildActionEffects.js';
import { buildKpis } from '../../pipeline/publish/buildKpis.js';
import { decodeState, encodeState } from './stateCodec.js';

export interface StagedRun {
  db: Database;
  dir: string;
  config: Config;
  /** What the stages run so far added. */
  state: Partial<RunState>;
  ctx: StageContext;
  close(): void;
}

/**
 * A demo run taken through the real stages up to and including `last`, in
 * this process, on a database in a temporary folder of its own: what a
 * stage's own test starts from. The stages run once per suite run for each
 * (last, over): the first caller runs them into the suite's cache
 * (tests/helpers/stagedCache.ts) and every caller gets a copy of that
 * folder (database, demo data, models) and of the state the stages handed
 * each other, so a test that writes to its run changes no other test's.
 */
export async function stagedRun(last: string, over: ConfigInput = {}): Promise<StagedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-staged-'));
  const cache = cacheRoot();
  const prepared = cache === undefined ? undefined : await preparedRun(cache, last, over);
  if (!prepared) return runStages(dir, last, over);
  cpSync(prepared.dir, dir, { recursive: true });
  const run = await openRun(dir, over);
  await movePaths(run.db, prepared.dir, dir);
  run.state = decodeState<Partial<RunState>>(prepared.state.replaceAll(jsonText(prepared.dir), jsonText(dir)));
  return run;
}

/** The stages up to and including `last`, run on a fresh database in `dir` (what stagedRun shares; exported for its own test). */
export async function runStages(dir: string, last: string, over: ConfigInput): Promise<StagedRun> {
  const run = await openRun(dir, over);
  const { db, config, ctx, state } = run;
  await db.run(`INSERT INTO runs (run_id, started_at, outcome) VALUES ('test-run', TIMESTAMPTZ '2026-11-01 00:00:00Z', 'running')`);
  await PIPELINE.run(async (stage, input) => Object.assign(state, await stage.run(ctx, stage.params(config), input)), last);
  return run;
}

/**
 * The paths a copied database holds (the source files of its rows, its
 * loaded files, its registry's model folders), moved from the folder it was
 * built in to `to`, as if the stages had run there.
 */
async function movePaths(db: Database, from: string, to: string): Promise<void> {
  const columns = await db.all<{ t: string; c: string }>(`SELECT c.table_name AS t, c.column_name AS c FROM duckdb_columns() c
    JOIN duckdb_tables() t USING (database_name, schema_name, table_name) WHERE NOT t.temporary AND c.data_type = 'VARCHAR' ORDER BY t, c`);
  for (const table of new Set(columns.map((x) => x.t))) {
    const names = columns.filter((x) => x.t === table).map((x) => ident(x.c));
    await db.run(`UPDATE ${ident(table)} SET ${names.map((c) => `${c} = replace(${c}, $1, $2)`).join(', ')} WHERE ${names.map((c) => `contains(${c}, $1)`).join(' OR ')}`, [from, to]);
  }
}

/** The demo configuration of a staged run in `dir`, its database opened (and migrated) and its stage context. */
async function openRun(dir: string, over: ConfigInput): Promise<StagedRun> {
  const config = loadConfig(undefined, { db: join(dir, 'f.duckdb'), out: join(dir, 'out'), models: join(dir, 'models'), demo: { customers: 800 }, ...over });
  const db = await Database.open(config.db);
  await migrate(db);
  const manifest: RunManifest = { run_id: 'test-run', started_at: '2026-11-01T00:00:00.000Z', outcome: 'failed', horizon_days: config.horizonDays, stages: [], inputs: [], demo: true };
  const ctx: StageContext = { db, log: silentLogger, step: untimed, runId: 'test-run', runTime: new Date('2026-11-01T00:00:00Z'), manifest: () => manifest, publication: new Publication(config.out) };
  return {
    db, dir, config, state: {}, ctx,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A staged run taken through the features stage, with what the train
 * stage builds before it trains (training_snapshots, BG/NBD at every
 * cutoff): what the tests of the training modules start from. The holdout
 * cutoff's BG/NBD fit is added to the run's btydFits.
 */
export async function withTrainingData(run: StagedRun): Promise<StagedRun> {
  const tables = new SampleTables(run.db);
  try {
    const fits = await buildTrainingData(run.db, tables, run.state.plan!, run.state.sample!, { horizonDays: run.config.horizonDays, season: run.config.btyd.season });
    run.state.btydFits = new Map([...run.state.btydFits!, ...fits]);
    return run;
  } finally {
    await tables.drop();
  }
}

/**
 * A staged run taken through the score stage (no networks) with what the
 * publish stage builds before it writes the release: the KPIs and the
 * action effects (run id 'test-run'). What the tests of the release's
 * parts start from.
 */
export async function publishableRun(): Promise<StagedRun> {
  const run = await stagedRun('score', { neural: false });
  await buildKpis(run.db, run.state.asOf!, { horizonDays: 90, currency: 'USD', cmgrMonths: 12 });
  await buildActionEffects(run.db, 'test-run', run.state.asOf!, { horizonDays: 90, minGroup: 30, costPerAction: 0, margin: 1 });
  return run;
}

/** The suite's cache folder (made by the fast project's global setup), if this test runs under it. */
function cacheRoot(): string | undefined {
  try {
    return inject('stagedRunCache') || undefined;
  } catch {
    return undefined;
  }
}

const jsonText = (s: string): string => JSON.stringify(s).slice(1, -1);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The process holding a build's lock, once it has written its id. */
const lockHolder = (lock: string): number | undefined => {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8')) || undefined;
  } catch {
    return undefined;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The cached run of (last, over): its folder and its encoded state, built
 * by whichever worker asks first (the others wait on its lock); undefined
 * when its state cannot be kept outside the process (networks in memory):
 * then every caller runs the stages itself.
 */
async function preparedRun(cache: string, last: string, over: ConfigInput): Promise<{ dir: string; state: string } | undefined> {
  const key = createHash('sha256').update(JSON.stringify([last, over])).digest('hex').slice(0, 16);
  const [dir, stateFile, lock] = [join(cache, key), join(cache, `${key}.state.json`), join(cache, `${key}.lock`)];
  const ready = () => {
    const text = readFileSync(stateFile, 'utf8');
    return text === 'null' ? undefined : { dir, state: text };
  };
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (existsSync(stateFile)) return ready();
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another worker builds it: wait, unless it died holding the lock.
      const holder = lockHolder(lock);
      if (holder !== undefined && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`stagedRun: waited 10 minutes for another worker to build ${last} ${JSON.stringify(over)}`);
      await sleep(50);
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      if (existsSync(stateFile)) return ready();
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const run = await runStages(dir, last, over);
      let state: string | undefined;
      try {
        state = encodeState(run.state);
      } finally {
        run.db.close();
      }
      writeFileSync(`${stateFile}.partial`, state ?? 'null');
      renameSync(`${stateFile}.partial`, stateFile);
      return ready();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * customer_scores as the next run's score stage leaves it: a table again, holding the published scores for a
 * test to change as a next run would score (a publication leaves customer_scores a view of published_scores).
 */
export async function scoreAgain(db: Database): Promise<void> {
  if (await db.isView('customer_scores')) await db.run('DROP VIEW customer_scores; CREATE TABLE customer_scores AS SELECT * FROM published_scores');
}
