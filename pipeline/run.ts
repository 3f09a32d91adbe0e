import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildBtydFeatures } from './btyd/btydStage.js';
import type { Config } from './config.js';
import { Database, dateParam, literal } from './db/Database.js';
import { migrate } from './db/migrations.js';
import { generateDemoData } from './demo/generateDemoData.js';
import { DataError } from './errors.js';
import { buildFeatures, buildSnapshots, buildTrainingSample, planSnapshots, sampleUse, type TrainingSample } from './features/buildFeatures.js';
import { ingestInputs, ingestOptions, type FileIngest } from './ingest/ingestInputs.js';
import { trainModels, type TrainedModels } from './learn/trainModels.js';
import { initBackend } from './learn/tfBackend.js';
import { champion, decidePromotion, listModels, loadModelVersion, promote, registerModel, saveModelVersion } from './registry/registry.js';
import { scoreCustomers } from './score/scoreCustomers.js';
import { populationStability } from './registry/drift.js';
import type { Logger } from './log.js';
import { Publication } from './publish/publication.js';
import { renderReport } from './publish/report.js';
import { buildKpis, type Cmgr } from './publish/buildKpis.js';
import { RunLock } from './publish/runLock.js';
import { PeakMemory, recordedSteps, secondsSince, type Step } from './measure.js';

/**
 * The pipeline's stages in the order data flows, with the tables each one
 * reads and writes. The runner executes them in this order; nothing else
 * decides the order.
 */
export const STAGES = [
  { name: 'ingest', reads: ['input files'], writes: ['orders', 'customers', 'tickets', 'rejected_rows'] },
  { name: 'features', reads: ['orders', 'customers', 'tickets'], writes: ['customer_features', 'training_snapshots', 'btyd_features'] },
  { name: 'train', reads: ['training_snapshots', 'btyd_features', 'orders'], writes: ['holdout_*_scores', 'model_registry', 'backtests', '--models folder'] },
  { name: 'score', reads: ['customer_features', 'btyd_features', 'orders'], writes: ['btyd_scores', 'neural_scores', 'churn_scores', 'value_scores', 'customer_scores'] },
  { name: 'publish', reads: ['customer_scores', 'orders', 'rejected_rows', 'customer_scores_history'], writes: ['kpis_monthly', 'kpis_by_group', '--out folder'] },
] as const;

export type StageName = (typeof STAGES)[number]['name'];

export interface StageRecord {
  name: StageName;
  seconds: number;
  /** The process's peak resident memory during the stage (DuckDB runs in-process). */
  peak_rss_mib?: number;
  rows_in?: number;
  rows_out?: number;
  /** The stage's main steps, timed. */
  steps?: { name: string; seconds: number }[];
}

export interface RunManifest {
  run_id: string;
  started_at: string;
  finished_at?: string;
  outcome: 'succeeded' | 'failed';
  error?: string;
  as_of?: string;
  horizon_days: number;
  model_version?: string;
  /** The model trained by this run, and whether it became the champion, and why. */
  model?: { trained: string | null; promoted: boolean; reason: string };
  tfjs_backend?: string;
  stages: StageRecord[];
  inputs: FileIngest[];
  demo: boolean;
  cmgr?: Cmgr;
  rejected_by_reason?: { kind: string; reason: string; lines: number }[];
}

export interface RunResult {
  manifest: RunManifest;
  outDir: string;
}

function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs the whole pipeline: ingest, features, train, score, publish. The
 * previous publication stays whole until the new one is complete.
 */
export async function runPipeline(config: Config, log: Logger, runTime = new Date(), options: { wait?: boolean } = {}): Promise<RunResult> {
  const runId = newRunId(runTime);
  const publication = new Publication(config.out);
  const lock = await RunLock.acquire([`${resolve(config.db)}.lock`, join(publication.releases, '.lock')], runId, log, options.wait);
  try {
    return await runLocked(config, log, runTime, runId, publication);
  } finally {
    lock.release();
  }
}

async function runLocked(config: Config, log: Logger, runTime: Date, runId: string, publication: Publication): Promise<RunResult> {
  const leftovers = publication.prepare();
  if (leftovers.length) log.warn({ removed: leftovers }, 'removed the unfinished output of an earlier run that did not complete');

  const demo = config.orders.length === 0;
  const inputs = { orders: config.orders, customers: config.customers, tickets: config.tickets };
  if (demo) {
    const files = generateDemoData(join(dirname(resolve(config.db)), 'demo'), { ...config.demo, withBadRows: true });
    Object.assign(inputs, { orders: [files.orders], customers: [files.customers], tickets: [files.tickets] });
    log.info({ ...files.stats, dir: dirname(files.orders) }, 'no --orders given: generated the demo data set');
  }

  const db = await Database.open(config.db, { ...config.duckdb, timezone: config.timezone });
  const manifest: RunManifest = {
    run_id: runId,
    started_at: runTime.toISOString(),
    outcome: 'failed',
    horizon_days: config.horizonDays,
    stages: [],
    inputs: [],
    demo,
  };
  const memory = new PeakMemory();
  /** Runs one stage with a child logger, recording its seconds, peak memory, steps and the rows it read and wrote. */
  const stage = async <T>(name: StageName, body: (log: Logger, step: Step) => Promise<T>, rows?: (result: T) => Promise<Pick<StageRecord, 'rows_in' | 'rows_out'>>): Promise<T> => {
    const stageLog = log.child({ stage: name });
    const started = performance.now();
    const { step, steps } = recordedSteps((stepName, seconds) => stageLog.debug({ step: stepName, seconds }, 'step finished'));
    memory.reset();
    stageLog.info('started');
    const result = await body(stageLog, step);
    const record: StageRecord = {
      name, seconds: secondsSince(started), peak_rss_mib: memory.mib(), ...(rows ? await rows(result) : {}), ...(steps.length ? { steps } : {}),
    };
    manifest.stages.push(record);
    stageLog.info(record, 'finished');
    return result;
  };

  try {
    if (config.neural) manifest.tfjs_backend = await initBackend(log);
    const migration = await migrate(db);
    if (migration.to !== migration.from) log.info(migration, 'database schema migrated');
    await db.run(`INSERT INTO runs (run_id, started_at, outcome) VALUES ($1, CAST($2 AS TIMESTAMPTZ), 'running')`, [runId, runTime.toISOString()]);

    manifest.inputs = await stage('ingest', (l) => ingestInputs(db, inputs, ingestOptions(config, runId, runTime), l), async (r) => ({ rows_in: r.reduce((s, f) => s + f.rows_read, 0), rows_out: r.reduce((s, f) => s + f.rows_accepted, 0) }));

    const lastOrder = await db.value<string | null>('SELECT CAST(max(order_date) AS VARCHAR) FROM orders WHERE amount >= 0');
    if (!lastOrder) throw new DataError('no usable orders: every input row was rejected or the orders input is empty (see rejected_rows in the database)');
    const asOf = config.asOf ?? lastOrder;
    manifest.as_of = asOf;
    const firstOrder = (await db.value<string>('SELECT CAST(min(order_date) AS VARCHAR) FROM orders WHERE amount >= 0'))!;

    const plan = planSnapshots({ asOf, horizonDays: config.horizonDays, count: config.snapshots.count, spacingDays: config.snapshots.spacingDays }, firstOrder);
    const { sample, btydFits } = await stage('features', async (l, step) => {
      const customers = await step('customer_features', () => buildFeatures(db, asOf));
      if (customers === 0) throw new DataError(`no customer has an order on or before --as-of ${asOf}; the first order is dated ${firstOrder}`);
      const sample: TrainingSample = await step('training sample', () =>
        buildTrainingSample(db, config.training.sampleCustomers, config.seed, config.training.btydFitCustomers));
      if (sample.partial) l.info(sample, 'the models learn from a stratified sample of customers (training.sampleCustomers)');
      const snapshots = plan.trainCutoffs.length ? await step('training snapshots', () => buildSnapshots(db, plan, config.horizonDays, sample)) : 0;
      const btydFits = await step('BG/NBD features per cutoff', () =>
        buildBtydFeatures(db, { sample: plan.trainCutoffs, everyone: [plan.holdoutCutoff, asOf] }, config.horizonDays, sampleUse(sample)));
      l.info({ customers, snapshots, ...plan }, 'features built');
      return { customers, sample, btydFits };
    }, async (r) => ({ rows_in: await db.value<number>('SELECT count(*) FROM orders WHERE order_date <= $1', [dateParam(asOf)]), rows_out: r.customers }));
    if (plan.trainCutoffs.length === 0) {
      throw new DataError(`the history from ${firstOrder} to ${asOf} is too short to learn from: it needs more than two horizons (${2 * config.horizonDays} days); lower --horizon-days or give a longer history`);
    }

    const models: TrainedModels = await stage('train', async (l, step): Promise<TrainedModels> => {
      const reuse = await reusableChampion(db, asOf, config, l);
      if (reuse) {
        manifest.model = { trained: null, promoted: false, reason: reuse.reason };
        return reuse.models;
      }
      const trained = await trainModels(db, plan, asOf, {
        horizonDays: config.horizonDays, annualDiscountRate: config.scoring.annualDiscountRate, seed: config.seed, neural: config.neural,
        maxTrainingRows: config.training.maxRows, sample, btydFits, step,
      }, l);
      const path = await saveModelVersion(config.models, trained, asOf);
      await registerModel(db, trained, path, asOf, runId);
      const current = await champion(db);
      const challenger = (await listModels(db)).find((r) => r.model_version === trained.version)!;
      const decision = decidePromotion(challenger, current);
      if (decision.promoted) await promote(db, trained.version);
      l.info({ model_version: trained.version, promoted: decision.promoted, reason: decision.reason }, decision.promoted ? 'the new model is the champion' : 'the champion stays');
      manifest.model = { trained: trained.version, promoted: decision.promoted, reason: decision.reason };
      if (decision.promoted) return trained;
      const kept = await loadModelVersion(current!.path);
      // The champion scores; this run's backtest of it is the challenger's holdout, so publish the challenger's figures beside it.
      return { ...kept, metrics: { ...kept.metrics, challenger: models.metrics } };
    }, async () => ({ rows_in: await db.value<number>('SELECT count(*) FROM training_snapshots') }));
    manifest.model_version = models.version;

    await stage('score', (_l, step) => scoreCustomers(db, models, asOf, config, step),
      async (n) => ({ rows_in: await db.value<number>('SELECT count(*) FROM customer_features'), rows_out: n }));

    const publishStarted = performance.now();
    await stage('publish', (_l, step) => publishRelease(step).catch((err: Error) => {
      throw new DataError(`publication failed: ${err.message}. The previous publication in ${publication.out} is intact; free space or fix the folder and run again.`);
    }));
    async function publishRelease(step: Step): Promise<string> {
      manifest.cmgr = await step('KPIs', () => buildKpis(db, asOf, config.horizonDays, config.kpis.cmgrMonths, config.costs));
      manifest.rejected_by_reason = await db.all(`SELECT kind, reason, count(*) AS lines FROM rejected_rows WHERE run_id = $1 GROUP BY ALL ORDER BY lines DESC, reason`, [runId]);
      const dir = publication.staging(runId);
      await step('Parquet and CSV files', async () => {
        await db.run(`COPY (SELECT * FROM customer_scores ORDER BY customer_id) TO ${literal(join(dir, 'customer_scores.parquet'))} (FORMAT parquet)`);
        await db.run(`COPY (SELECT * FROM customer_scores ORDER BY customer_id) TO ${literal(join(dir, 'customer_scores.csv'))} (HEADER, DELIMITER ',')`);
        await db.run(`COPY (SELECT * FROM kpis_monthly ORDER BY month) TO ${literal(join(dir, 'kpis_monthly.csv'))} (HEADER, DELIMITER ',')`);
        await db.run(`COPY (SELECT * FROM kpis_by_group ORDER BY dimension, grp) TO ${literal(join(dir, 'kpis_by_group.csv'))} (HEADER, DELIMITER ',')`);
      });
      writeFileSync(join(dir, 'model_metrics.json'), JSON.stringify(models.metrics, null, 2) + '\n');
      const html = await step('report', () => renderReport(db, { runId, asOf, horizonDays: config.horizonDays, modelVersion: models.version, metrics: models.metrics, cmgr: manifest.cmgr?.value ?? null }));
      writeFileSync(join(dir, 'report.html'), html);
      await step('database copy', () => publishDatabase(join(dir, 'fidelio.duckdb')));
      manifest.outcome = 'succeeded';
      manifest.finished_at = new Date().toISOString();
      // The published manifest times publication up to its own writing; the database's copy has the full figure.
      const publishSoFar = { name: 'publish' as const, seconds: secondsSince(publishStarted) };
      writeFileSync(join(dir, 'run_manifest.json'), JSON.stringify({ ...manifest, stages: [...manifest.stages, publishSoFar] }, null, 2) + '\n');
      return publication.commit(runId);
    }
    /** The read-only copy for BI tools: they never hold the working database. */
    async function publishDatabase(copy: string): Promise<void> {
      await db.run(`ATTACH ${literal(copy)} AS publication`);
      try {
        for (const table of ['customer_scores', 'kpis_monthly', 'kpis_by_group']) {
          await db.run(`CREATE TABLE publication.${table} AS SELECT * FROM ${table}`);
        }
        await db.run(`CREATE TABLE publication.rejected_rows AS SELECT * FROM rejected_rows WHERE run_id = ${literal(runId)}`);
        await db.run(`CREATE TABLE publication.customer_scores_history AS SELECT * FROM customer_scores_history
          UNION ALL SELECT ${literal(runId)}, as_of, customer_id, model_version, churn_probability, churn_risk, predicted_clv_12m,
            value_tier, is_vip, segment, action, contact, is_control FROM customer_scores`);
      } finally {
        await db.run('DETACH publication');
      }
    }
    // The history records what was published (so cooldowns never count a contact list that was not).
    await db.run(`INSERT INTO customer_scores_history SELECT $1, as_of, customer_id, model_version, churn_probability, churn_risk,
      predicted_clv_12m, value_tier, is_vip, segment, action, contact, is_control FROM customer_scores`, [runId]);
    await db.run(`UPDATE runs SET finished_at = now(), as_of = CAST($2 AS DATE), outcome = 'succeeded', manifest = $3 WHERE run_id = $1`, [runId, asOf, JSON.stringify(manifest)]);
    return { manifest, outDir: publication.out };
  } catch (err) {
    manifest.outcome = 'failed';
    manifest.error = (err as Error).message;
    manifest.finished_at = new Date().toISOString();
    await db.run(`UPDATE runs SET finished_at = now(), outcome = 'failed', error = $2, manifest = $3 WHERE run_id = $1`, [runId, manifest.error, JSON.stringify(manifest)]).catch(() => undefined);
    // Kept beside the releases, never published: the previous publication stays as it was.
    try {
      writeFileSync(join(publication.releases, `failed-${runId}.json`), JSON.stringify(manifest, null, 2) + '\n');
    } catch {
      // the folder itself may be what failed; the database's runs table has the manifest
    }
    throw err;
  } finally {
    db.close();
  }
}

/**
 * The champion, when this run need not train: no --retrain, the champion's
 * as-of at most retrain.maxAgeDays before this run's, its folder intact,
 * and no main feature drifted past retrain.maxPsi.
 */
async function reusableChampion(db: Database, asOf: string, config: Config, log: Logger): Promise<{ models: TrainedModels; reason: string } | undefined> {
  if (config.retrain.always) return undefined;
  const current = await champion(db);
  if (!current) return undefined;
  const age = (Date.parse(asOf) - Date.parse(current.as_of)) / 86_400_000;
  if (age < 0 || age > config.retrain.maxAgeDays) {
    log.info({ champion: current.model_version, age_days: age }, 'retraining: the champion is older than retrain.maxAgeDays');
    return undefined;
  }
  let models: TrainedModels;
  try {
    models = await loadModelVersion(current.path);
  } catch (err) {
    log.warn({ champion: current.model_version, err }, 'retraining: the champion cannot be loaded');
    return undefined;
  }
  if ((models.neural && !config.neural) || !models.profile) return undefined;
  const psi = await populationStability(db, models.profile);
  const worst = Math.max(...Object.values(psi));
  if (worst > config.retrain.maxPsi) {
    log.info({ champion: current.model_version, psi }, 'retraining: the customer base drifted past retrain.maxPsi');
    return undefined;
  }
  const reason = `the champion ${current.model_version} (as of ${current.as_of}, ${age} days before) still fits: largest PSI ${worst.toFixed(3)}; --retrain forces training`;
  log.info({ psi }, reason);
  return { models, reason };
}

