import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fitBtydModels, scoreBtyd, type BtydModels, type PurchaseModelName } from './btyd/btydStage.js';
import type { Config } from './config.js';
import { Database, dateParam, literal } from './db/Database.js';
import { migrate } from './db/migrations.js';
import type { FitReport } from './btyd/fitReport.js';
import { readSql } from './db/sqlFile.js';
import { generateDemoData } from './demo/generateDemoData.js';
import { DataError } from './errors.js';
import { buildFeatures, buildSnapshots, planSnapshots } from './features/buildFeatures.js';
import { ingestInputs, type FileIngest } from './ingest/ingestInputs.js';
import { churnMetrics, holdoutColumns, purchaseMetrics, rounded, valueMetrics } from './learn/backtest.js';
import { auc } from './learn/metrics.js';
import { applyRfTable, trainRfTable, type RfCell } from './learn/rfTableModel.js';
import type { Logger } from './log.js';
import { Publication } from './publish/publication.js';
import { renderReport } from './publish/report.js';

/**
 * The pipeline's stages in the order data flows, with the tables each one
 * reads and writes. The runner executes them in this order; nothing else
 * decides the order.
 */
export const STAGES = [
  { name: 'ingest', reads: ['input files'], writes: ['orders', 'customers', 'tickets', 'rejected_rows'] },
  { name: 'features', reads: ['orders', 'customers', 'tickets'], writes: ['customer_features', 'training_snapshots'] },
  { name: 'train', reads: ['training_snapshots', 'orders'], writes: ['holdout_churn_scores', 'holdout_bgnbd_scores', 'holdout_pareto_scores', `models/<version>/`] },
  { name: 'score', reads: ['customer_features', 'orders'], writes: ['churn_scores', 'btyd_scores', 'btyd_churn_scores', 'customer_scores'] },
  { name: 'publish', reads: ['customer_scores', 'orders', 'rejected_rows'], writes: ['kpis_monthly', '--out folder'] },
] as const;

export type StageName = (typeof STAGES)[number]['name'];

export interface StageRecord {
  name: StageName;
  seconds: number;
  rows_in?: number;
  rows_out?: number;
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
  stages: StageRecord[];
  inputs: FileIngest[];
  demo: boolean;
  cmgr?: { months: number; from: string; to: string; value: number | null };
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
export async function runPipeline(config: Config, log: Logger, runTime = new Date()): Promise<RunResult> {
  const runId = newRunId(runTime);
  const publication = new Publication(config.out);
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
  /** Runs one stage with a child logger, recording its seconds and the rows it read and wrote. */
  const stage = async <T>(name: StageName, body: (log: Logger) => Promise<T>, rows?: (result: T) => Promise<Omit<StageRecord, 'name' | 'seconds'>>): Promise<T> => {
    const stageLog = log.child({ stage: name });
    const started = performance.now();
    stageLog.info('started');
    const result = await body(stageLog);
    const record: StageRecord = { name, seconds: Number(((performance.now() - started) / 1000).toFixed(3)), ...(rows ? await rows(result) : {}) };
    manifest.stages.push(record);
    stageLog.info(record, 'finished');
    return result;
  };

  try {
    const migration = await migrate(db);
    if (migration.to !== migration.from) log.info(migration, 'database schema migrated');
    await db.run(`INSERT INTO runs (run_id, started_at, outcome) VALUES ($1, CAST($2 AS TIMESTAMPTZ), 'running')`, [runId, runTime.toISOString()]);

    manifest.inputs = await stage('ingest', (l) => ingestInputs(db, inputs, {
      runId, runTime, currency: config.currency, delimiter: config.csv.delimiter,
      columns: config.columns, exchangeRates: config.exchangeRates,
    }, l), async (r) => ({ rows_in: r.reduce((s, f) => s + f.rows_read, 0), rows_out: r.reduce((s, f) => s + f.rows_accepted, 0) }));

    const lastOrder = await db.value<string | null>('SELECT CAST(max(order_date) AS VARCHAR) FROM orders WHERE amount >= 0');
    if (!lastOrder) throw new DataError('no usable orders: every input row was rejected or the orders input is empty (see rejected_rows in the database)');
    const asOf = config.asOf ?? lastOrder;
    manifest.as_of = asOf;
    const firstOrder = (await db.value<string>('SELECT CAST(min(order_date) AS VARCHAR) FROM orders WHERE amount >= 0'))!;

    const plan = planSnapshots({ asOf, horizonDays: config.horizonDays, count: config.snapshots.count, spacingDays: config.snapshots.spacingDays }, firstOrder);
    await stage('features', async (l) => {
      const customers = await buildFeatures(db, asOf);
      if (customers === 0) throw new DataError(`no customer has an order on or before --as-of ${asOf}; the first order is dated ${firstOrder}`);
      const snapshots = plan.trainCutoffs.length ? await buildSnapshots(db, plan, config.horizonDays) : 0;
      l.info({ customers, snapshots, ...plan }, 'features built');
      return customers;
    }, async (n) => ({ rows_in: await db.value<number>('SELECT count(*) FROM orders WHERE order_date <= $1', [dateParam(asOf)]), rows_out: n }));
    if (plan.trainCutoffs.length === 0) {
      throw new DataError(`the history from ${firstOrder} to ${asOf} is too short to learn from: it needs more than two horizons (${2 * config.horizonDays} days); lower --horizon-days or give a longer history`);
    }

    const trained = await stage('train', (l) => train(db, config, plan.holdoutCutoff, asOf, l),
      async () => ({ rows_in: await db.value<number>('SELECT count(*) FROM training_snapshots') }));
    manifest.model_version = trained.version;
    saveModel(config.models, trained);

    await stage('score', async () => {
      const btydOptions = { horizonDays: config.horizonDays, annualDiscountRate: config.scoring.annualDiscountRate, seed: config.seed };
      await scoreBtyd(db, trained.btyd, asOf, 'btyd_scores', { ...btydOptions, model: trained.valueModel, intervalDraws: config.scoring.intervalDraws });
      if (trained.churnModel === 'rf_table') await applyRfTable(db, trained.cells, 'customer_features', 'churn_scores');
      else {
        // P(no purchase) is BG/NBD's; score it apart when Pareto/NBD is the value model.
        const source = trained.valueModel === 'bgnbd' ? 'btyd_scores' : 'btyd_churn_scores';
        if (source !== 'btyd_scores') await scoreBtyd(db, trained.btyd, asOf, source, { ...btydOptions, model: 'bgnbd', intervalDraws: 0 });
        await db.run(`CREATE OR REPLACE TABLE churn_scores AS SELECT customer_id, p_no_purchase AS churn_probability FROM ${source}`);
      }
      const s = config.scoring;
      await db.run(`CREATE OR REPLACE TABLE customer_scores AS ${readSql('score/customer_scores.sql')}`, {
        horizon: config.horizonDays, medium_risk: s.mediumRisk, high_risk: s.highRisk, predicted_weight: s.predictedWeight,
        vip_rule: s.vip.rule, vip_share: s.vip.valueShare, vip_cap: s.vip.maxCustomerShare,
        lapsed_days: s.lapsedDays, new_days: s.newDays, model_version: trained.version,
      });
      return db.value<number>('SELECT count(*) FROM customer_scores');
    }, async (n) => ({ rows_in: await db.value<number>('SELECT count(*) FROM customer_features'), rows_out: n }));

    const publishStarted = performance.now();
    await stage('publish', async () => {
      await db.run(`CREATE OR REPLACE TABLE kpis_monthly AS ${readSql('publish/kpis_monthly.sql')}`, { as_of: dateParam(asOf), horizon: config.horizonDays });
      manifest.cmgr = await cmgr(db, 12);
      manifest.rejected_by_reason = await db.all(`SELECT kind, reason, count(*) AS lines FROM rejected_rows WHERE run_id = $1 GROUP BY ALL ORDER BY lines DESC, reason`, [runId]);
      const dir = publication.staging(runId);
      await db.run(`COPY (SELECT * FROM customer_scores ORDER BY customer_id) TO ${literal(join(dir, 'customer_scores.parquet'))} (FORMAT parquet)`);
      await db.run(`COPY (SELECT * FROM customer_scores ORDER BY customer_id) TO ${literal(join(dir, 'customer_scores.csv'))} (HEADER, DELIMITER ',')`);
      await db.run(`COPY (SELECT * FROM kpis_monthly ORDER BY month) TO ${literal(join(dir, 'kpis_monthly.csv'))} (HEADER, DELIMITER ',')`);
      writeFileSync(join(dir, 'model_metrics.json'), JSON.stringify(trained.metrics, null, 2) + '\n');
      const html = await renderReport(db, { runId, asOf, horizonDays: config.horizonDays, modelVersion: trained.version, metrics: trained.metrics, cmgr: manifest.cmgr?.value ?? null });
      writeFileSync(join(dir, 'report.html'), html);
      // The read-only copy for BI tools: they never hold the working database.
      const copy = join(dir, 'fidelio.duckdb');
      await db.run(`ATTACH ${literal(copy)} AS publication`);
      try {
        for (const table of ['customer_scores', 'kpis_monthly']) {
          await db.run(`CREATE TABLE publication.${table} AS SELECT * FROM ${table}`);
        }
        await db.run(`CREATE TABLE publication.rejected_rows AS SELECT * FROM rejected_rows WHERE run_id = ${literal(runId)}`);
      } finally {
        await db.run('DETACH publication');
      }
      manifest.outcome = 'succeeded';
      manifest.finished_at = new Date().toISOString();
      // The published manifest times publication up to its own writing; the database's copy has the full figure.
      const publishSoFar = { name: 'publish' as const, seconds: Number(((performance.now() - publishStarted) / 1000).toFixed(3)) };
      writeFileSync(join(dir, 'run_manifest.json'), JSON.stringify({ ...manifest, stages: [...manifest.stages, publishSoFar] }, null, 2) + '\n');
      return publication.commit(runId);
    });
    await db.run(`UPDATE runs SET finished_at = now(), as_of = CAST($2 AS DATE), outcome = 'succeeded', manifest = $3 WHERE run_id = $1`, [runId, asOf, JSON.stringify(manifest)]);
    return { manifest, outDir: publication.out };
  } catch (err) {
    manifest.outcome = 'failed';
    manifest.error = (err as Error).message;
    manifest.finished_at = new Date().toISOString();
    await db.run(`UPDATE runs SET finished_at = now(), outcome = 'failed', error = $2, manifest = $3 WHERE run_id = $1`, [runId, manifest.error, JSON.stringify(manifest)]).catch(() => undefined);
    throw err;
  } finally {
    db.close();
  }
}

type ChurnModelName = 'rf_table' | 'bgnbd';

interface TrainedModels {
  version: string;
  churnModel: ChurnModelName;
  valueModel: PurchaseModelName;
  cells: RfCell[];
  btyd: BtydModels;
  metrics: Record<string, unknown>;
}

/**
 * Backtests on the latest full horizon (models learnt from earlier data
 * only), then relearns on everything up to as-of for scoring.
 */
async function train(db: Database, config: Config, holdoutCutoff: string, asOf: string, log: Logger): Promise<TrainedModels> {
  const horizon = config.horizonDays;
  const backtestTable = await trainRfTable(db, ['train']);
  await applyRfTable(db, backtestTable.cells, `(SELECT * FROM training_snapshots WHERE split = 'holdout')`, 'holdout_churn_scores');
  const backtestBtyd = await fitBtydModels(db, holdoutCutoff);
  const backtestOptions = { horizonDays: horizon, annualDiscountRate: config.scoring.annualDiscountRate, intervalDraws: 0, seed: config.seed };
  await scoreBtyd(db, backtestBtyd, holdoutCutoff, 'holdout_bgnbd_scores', { ...backtestOptions, model: 'bgnbd' });
  await scoreBtyd(db, backtestBtyd, holdoutCutoff, 'holdout_pareto_scores', { ...backtestOptions, model: 'pareto' });

  const rf = await holdoutColumns(db, 'holdout_churn_scores', ['churn_probability', 'expected_purchases', 'predicted_value']);
  const bg = await holdoutColumns(db, 'holdout_bgnbd_scores', ['p_no_purchase', 'expected_purchases', 'expected_spend']);
  const pn = await holdoutColumns(db, 'holdout_pareto_scores', ['expected_purchases', 'expected_spend']);
  const candidates = {
    rf_table: churnMetrics(rf.churn_probability!, rf.churned!),
    bgnbd: churnMetrics(bg.p_no_purchase!, bg.churned!),
  };
  // The churn champion is the candidate with the lowest holdout log loss: a proper score, so it rewards ranking and calibration.
  const churnModel: ChurnModelName = candidates.bgnbd.log_loss < candidates.rf_table.log_loss ? 'bgnbd' : 'rf_table';
  // The value model (purchases, spend, CLV) is the BTYD model whose holdout purchase counts are closer (MAE).
  const purchases = { bgnbd: purchaseMetrics(bg.expected_purchases!, bg.future_orders!), pareto: purchaseMetrics(pn.expected_purchases!, pn.future_orders!) };
  const valueModel: PurchaseModelName = purchases.pareto.mae < purchases.bgnbd.mae ? 'pareto' : 'bgnbd';
  const values = { bgnbd: valueMetrics(bg.expected_spend!, bg.future_spend!), pareto: valueMetrics(pn.expected_spend!, pn.future_spend!) };
  const recencyAuc = auc(rf.recency_days!, rf.churned!);
  const metrics = {
    as_of: asOf,
    holdout: { cutoff: holdoutCutoff, end: asOf, horizon_days: horizon, customers: candidates.rf_table.customers },
    churn: { model: churnModel, ...rounded(candidates[churnModel]), recency_baseline_auc: rounded({ v: recencyAuc }).v },
    value: { model: valueModel, ...rounded(values[valueModel]) },
    baselines: {
      recency_only: { auc: rounded({ v: recencyAuc }).v },
      rf_table: { ...rounded(candidates.rf_table), ...rounded(valueMetrics(rf.predicted_value!, rf.future_spend!)) },
      bgnbd: { ...rounded(candidates.bgnbd), ...rounded(values.bgnbd), purchases: rounded(purchases.bgnbd) },
      pareto: {
        // Pareto/NBD ranks churn by its expected purchases (no closed-form P(no purchase) here).
        auc: rounded({ v: auc(pn.expected_purchases!.map((v) => -v), pn.churned!) }).v,
        ...rounded(values.pareto),
        purchases: rounded(purchases.pareto),
      },
    },
    btyd_fit_at_holdout: summarizeBtyd(backtestBtyd),
  };
  log.info({ churn_model: churnModel, value_model: valueModel, auc: metrics.churn.auc, log_loss: metrics.churn.log_loss, recency_auc: metrics.churn.recency_baseline_auc, value_gini: metrics.value.normalized_gini }, 'backtest on the latest held-out horizon');

  const final = await trainRfTable(db, ['train', 'holdout']);
  const btyd = await fitBtydModels(db, asOf);
  for (const [name, fit] of [['bgnbd', btyd.bgnbd], ['pareto', btyd.pareto], ['gamma_gamma', btyd.gamma_gamma]] as const) {
    if (fit.report.warnings.length) log.warn({ model: name, warnings: fit.report.warnings }, 'BTYD fit warnings');
  }
  const version = 'fidelio-' + createHash('sha256').update(JSON.stringify({ churnModel, valueModel, rf: final.cells, btyd: summarizeBtyd(btyd) })).digest('hex').slice(0, 12);
  return { version, churnModel, valueModel, cells: final.cells, btyd, metrics: { model_version: version, ...metrics, btyd: summarizeBtyd(btyd) } };
}

/** The fits as published: parameters, their standard errors, log-likelihood and convergence. */
function summarizeBtyd(m: BtydModels) {
  const describe = <P extends object>(fit: P & { report: FitReport }, names: (keyof P & string)[]) => {
    const { report, ...params } = fit;
    return {
      ...params,
      standard_errors: report.standard_errors ? Object.fromEntries(names.map((k, i) => [k, Number(report.standard_errors![i]!.toPrecision(6))])) : null,
      log_likelihood: report.log_likelihood,
      converged: report.converged,
      iterations: report.iterations,
      gradient_norm: report.gradient_norm,
      warnings: report.warnings,
    };
  };
  return {
    calibration_end: m.calibration_end,
    time_unit_days: m.unit_days,
    customers: m.customers,
    bgnbd: describe(m.bgnbd, ['r', 'alpha', 'a', 'b']),
    pareto: describe(m.pareto, ['r', 'alpha', 's', 'beta']),
    gamma_gamma: describe(m.gamma_gamma, ['p', 'q', 'gamma']),
  };
}

/** Writes the trained models under models/<version>/ (the registry proper comes with the learnt models). */
function saveModel(dir: string, trained: TrainedModels): void {
  const target = join(dir, trained.version);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'model.json'), JSON.stringify({ version: trained.version, churn_model: trained.churnModel, value_model: trained.valueModel, rf_table: trained.cells, btyd: summarizeBtyd(trained.btyd) }, null, 2) + '\n');
  writeFileSync(join(target, 'metrics.json'), JSON.stringify(trained.metrics, null, 2) + '\n');
}

/** Compound monthly growth rate of revenue over the last `months` complete months. */
async function cmgr(db: Database, months: number) {
  const rows = await db.all<{ month: string; revenue: number }>(
    `SELECT CAST(month AS VARCHAR) AS month, CAST(revenue AS DOUBLE) AS revenue FROM kpis_monthly WHERE NOT is_partial_month ORDER BY month DESC LIMIT $1`,
    [months + 1],
  );
  if (rows.length < 2) return undefined;
  const last = rows[0]!;
  const first = rows[rows.length - 1]!;
  const n = rows.length - 1;
  const value = first.revenue > 0 && last.revenue > 0 ? Math.pow(last.revenue / first.revenue, 1 / n) - 1 : null;
  return { months: n, from: first.month, to: last.month, value: value === null ? null : Number(value.toFixed(5)) };
}
