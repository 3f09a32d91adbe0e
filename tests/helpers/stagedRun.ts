import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config, type ConfigInput } from '../../pipeline/config.js';
import { Database } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { silentLogger } from '../../pipeline/log.js';
import type { RunManifest } from '../../pipeline/manifest.js';
import { untimed } from '../../pipeline/measure.js';
import type { StageContext } from '../../pipeline/stage.js';
import { Publication } from '../../pipeline/runner/publication.js';
import { PIPELINE, type RunState } from '../../pipeline/stages.js';
import { SampleTables } from '../../pipeline/features/trainingSample.js';
import { buildTrainingData } from '../../pipeline/train/trainingData.js';

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
 * this process, on a fresh database in a temporary folder: what a stage's
 * own test starts from.
 */
export async function stagedRun(last: string, over: ConfigInput = {}): Promise<StagedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-staged-'));
  const config = loadConfig(undefined, { db: join(dir, 'f.duckdb'), out: join(dir, 'out'), models: join(dir, 'models'), demo: { customers: 800 }, ...over });
  const db = await Database.open(config.db);
  await migrate(db);
  const manifest: RunManifest = { run_id: 'test-run', started_at: '2026-11-01T00:00:00.000Z', outcome: 'failed', horizon_days: config.horizonDays, stages: [], inputs: [], demo: true };
  const ctx: StageContext = { db, log: silentLogger, step: untimed, runId: 'test-run', runTime: new Date('2026-11-01T00:00:00Z'), manifest: () => manifest, publication: new Publication(config.out) };
  await db.run(`INSERT INTO runs (run_id, started_at, outcome) VALUES ('test-run', TIMESTAMPTZ '2026-11-01 00:00:00Z', 'running')`);
  const state: Partial<RunState> = {};
  await PIPELINE.run(async (stage, input) => Object.assign(state, await stage.run(ctx, stage.params(config), input)), last);
  return {
    db, dir, config, state, ctx,
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
