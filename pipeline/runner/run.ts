import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { Database } from '../db/Database.js';
import { InterruptedError } from '../errors.js';
import { migrate } from '../db/migrations.js';
import type { Logger } from '../log.js';
import type { RunManifest, StageRecord } from '../manifest.js';
import { PeakMemory, cpuSince, recordedSteps, secondsSince } from '../measure.js';
import type { Pipeline, StageContext, StageDeclaration, StageRunner } from '../stage.js';
import { PIPELINE } from '../stages.js';
import { status } from '../statusLine.js';
import { Publication } from './publication.js';
import { RunBudget } from './runBudget.js';
import { RunLock, type TakenOver } from './runLock.js';
import { auditStage, type StageAudit } from './stageAudit.js';

export type { RunManifest, StageRecord } from '../manifest.js';

export interface RunResult {
  manifest: RunManifest;
  outDir: string;
}

function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs the whole pipeline: takes the run's locks, migrates the database,
 * executes the pipeline (stages.ts) in order and records the run. The
 * previous publication stays whole until the new one is complete.
 */
export interface RunOptions {
  /** Wait for a run holding the locks instead of stopping. */
  wait?: boolean;
  /** Called after each stage with what it changed and mentioned in the database (tests check the stage table with it). */
  audit?: (audit: StageAudit) => void;
  /** The stages to run (tests give their own); PIPELINE by default. */
  pipeline?: Pipeline<object>;
}

export async function runPipeline(config: Config, log: Logger, runTime = new Date(), options: RunOptions = {}): Promise<RunResult> {
  const runId = newRunId(runTime);
  const publication = new Publication(config.out);
  const lock = await RunLock.acquire([`${resolve(config.db)}.lock`, join(publication.releases, '.lock')], runId, log, options.wait);
  try {
    const leftovers = publication.prepare();
    if (leftovers.length) log.warn({ removed: leftovers }, 'removed the unfinished output of an earlier run that did not complete');
    const db = await Database.open(config.db, { ...config.duckdb, timezone: config.timezone });
    const budget = new RunBudget(config.run.maxMinutes);
    const disarm = budget.arm(db);
    const unlisten = onStopSignals(budget, log);
    try {
      const manifest = await runStages({ db, config, log, runTime, runId, publication, budget, takenOver: lock.takenOver }, options);
      return { manifest, outDir: publication.out };
    } finally {
      unlisten();
      disarm();
      db.close();
    }
  } finally {
    lock.release();
  }
}

/**
 * SIGINT and SIGTERM stop the run the way its budget does (RunBudget.interrupt):
 * the running query is interrupted, no further step starts, and the run is
 * recorded as interrupted before its locks are released. A second signal
 * does not wait: the process exits (130 or 143) as a killed one would, its
 * locks left for the next run to take over, which records it as killed and
 * removes its unfinished release.
 */
function onStopSignals(budget: RunBudget, log: Logger): () => void {
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
  const handler = (signal: NodeJS.Signals) => {
    if (budget.interruptedBy()) process.exit(codes[signal]);
    log.warn({ signal }, `${signal} received: stopping the run (the previous publication stays); a second ${signal} stops at once`);
    budget.interrupt(signal);
  };
  for (const signal of Object.keys(codes)) process.on(signal, handler);
  return () => {
    for (const signal of Object.keys(codes)) process.off(signal, handler);
  };
}

/** Marks the runs whose stale locks this run took over as failed: killed, last seen when their lock was last touched. */
async function recordKilledRuns(db: Database, takenOver: readonly TakenOver[], runId: string, log: Logger): Promise<void> {
  for (const { holder, lastSeen } of takenOver) {
    const error = `killed: its process ${holder.pid} on ${holder.host} stopped while it ran (last seen ${lastSeen}); run ${runId} took over its lock`;
    await db.run(`UPDATE runs SET outcome = 'failed', finished_at = CAST($2 AS TIMESTAMPTZ), error = $3 WHERE run_id = $1 AND outcome = 'running'`, [holder.run_id, lastSeen, error]);
    log.warn({ run: holder.run_id, last_seen: lastSeen }, 'an earlier run was killed: recorded as failed');
  }
}

/** What one run holds while its stages execute: its database, configuration, identity, publication, time budget and the runs it took over. */
interface RunSession {
  db: Database;
  config: Config;
  log: Logger;
  runTime: Date;
  runId: string;
  publication: Publication;
  budget: RunBudget;
  takenOver: readonly TakenOver[];
}

/** Executes the stages in order on one run's session, recording each in the manifest and the runs table, and the failure if one fails. */
async function runStages(session: RunSession, { audit, pipeline = PIPELINE }: RunOptions): Promise<RunManifest> {
  const { db, config, log, runTime, runId, publication, budget, takenOver } = session;
  let manifest: RunManifest = {
    run_id: runId, started_at: runTime.toISOString(), outcome: 'failed', horizon_days: config.horizonDays, currency: config.currency,
    stages: [], inputs: [], demo: config.orders.length === 0,
  };
  const memory = new PeakMemory();
  let current = 'the start';
  let running: StageDeclaration | undefined;
  // Around each stage's body: the budget, its log, steps and audit, its record and its part of the manifest.
  const runStage: StageRunner = async (stage, input) => {
    current = stage.name;
    running = stage;
    budget.check(`the ${stage.name} stage`);
    const stageLog = log.child({ stage: stage.name });
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    const { step, steps } = recordedSteps((name, seconds) => stageLog.debug({ step: name, seconds }, 'step finished'), (name) => {
      budget.check(`${stage.name}: ${name}`);
      status.step(name);
    });
    const ctx: StageContext = { db, log: stageLog, step, runId, runTime, manifest: () => manifest, publication };
    memory.reset();
    status.stage(stage.name);
    stageLog.info('started');
    const watch = audit && (await auditStage(db, stage.name));
    const out = await stage.run(ctx, stage.params(config), input);
    if (watch) audit!(await watch.finish());
    const record: StageRecord = {
      name: stage.name, seconds: secondsSince(started), peak_rss_mib: memory.mib(), ...cpuSince(cpuAtStart), ...(stage.rows ? await stage.rows(ctx, out) : {}), ...(steps.length ? { steps } : {}),
    };
    manifest = { ...manifest, stages: [...manifest.stages, record], ...stage.manifest(out) };
    stageLog.info(record, 'finished');
    return out;
  };
  try {
    const migration = await migrate(db);
    if (migration.to !== migration.from) log.info(migration, 'database schema migrated');
    await recordKilledRuns(db, takenOver, runId, log);
    await db.run(`INSERT INTO runs (run_id, started_at, outcome) VALUES ($1, CAST($2 AS TIMESTAMPTZ), 'running')`, [runId, runTime.toISOString()]);
    await pipeline.run(runStage);
    manifest = { ...manifest, outcome: 'succeeded', finished_at: new Date().toISOString() };
    await db.run(`UPDATE runs SET finished_at = now(), as_of = CAST(NULLIF($2, '') AS DATE), outcome = 'succeeded', manifest = $3 WHERE run_id = $1`, [runId, manifest.as_of ?? '', JSON.stringify(manifest)]);
    return manifest;
  } catch (caught) {
    // A query interrupted at the deadline or by a signal fails with DuckDB's own words: say what happened instead.
    const signal = budget.interruptedBy();
    const err = signal ? (caught instanceof InterruptedError ? caught : budget.interruption(`the ${current} stage`))
      : budget.expired() && !/passed run\.maxMinutes/.test((caught as Error).message) ? budget.error(`the ${current} stage`) : caught;
    const outcome = signal ? 'interrupted' : 'failed';
    // The failed stage's own words in the manifest (a run stopped in ingest still says why its lines were rejected).
    const failedPart = running?.manifestIfFailed ? await running.manifestIfFailed({ db, runId }).catch(() => ({})) : {};
    manifest = { ...manifest, ...failedPart, outcome, error: (err as Error).message, finished_at: new Date().toISOString() };
    await db.run(`UPDATE runs SET finished_at = now(), outcome = $4, error = $2, manifest = $3 WHERE run_id = $1`, [runId, manifest.error!, JSON.stringify(manifest), outcome]).catch(() => undefined);
    // Kept beside the releases, never published: the previous publication stays as it was.
    try {
      if (signal) publication.discard(runId);
      writeFileSync(join(publication.releases, `failed-${runId}.json`), JSON.stringify(manifest, null, 2) + '\n');
    } catch {
      // the folder itself may be what failed; the database's runs table has the manifest
    }
    throw err;
  } finally {
    status.stop();
  }
}
