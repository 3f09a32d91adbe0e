/**
 * `npm run bench`: times fidelio on a generated history of the size a
 * mid-size retailer has (default 1,000,000 customers, about 10,000,000
 * order lines, kept in bench/.data/) and writes bench/REPORT-<mode>.md and
 * bench/REPORT-<mode>.json.
 *
 *   npm run bench -- [--mode run|score|features|btyd|neural|exports|postgres] [--customers N[,N...]] [--activity A] [--threads N] [--memory-limit 2GB] [--block-allocator-memory 1.5GB]
 *
 * mode run (the default): the whole `fidelio run`, each stage's seconds,
 * peak memory and steps from its manifest; then the same files again at the
 * same as-of (a rerun, every file already loaded), the daily run (one more
 * day of orders, the champion kept), the champion-kept run (the base one
 * day later, no new orders: the issue's "same base one day later with the
 * champion kept"), and each stage's floor (the fastest of three measurements; a floor of
 * parts, each part's fastest summed) with the ratio, and customer_scores written natively
 * in the forms the contract publishes it in (what no run that keeps the contract can do
 * without). Mode score (after mode run):
 * run's champion scores bases of each size in --customers (such as
 * 1000000,2000000), each in a process of its own, to show that scoring's
 * memory does not grow with the base. Mode features: ingest, then
 * customer_features and the training snapshots, each in its own process.
 * Mode btyd: the BTYD fits alone on a million summaries, the real-history
 * shapes and 50 customers who never came back. Mode neural (after
 * mode features): the networks on each backend that loads. Mode postgres:
 * the PostgreSQL publication of --customers customers (bench/postgresBench.ts)
 * into FIDELIO_POSTGRES_URL, or into a throwaway server of Debian's
 * PostgreSQL 15 with its default durability (fsync on) when none is given.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../pipeline/config.js';
import { Database, addDays, literal } from '../pipeline/db/Database.js';
import { migrate } from '../pipeline/db/migrations.js';
import { packageRoot } from '../pipeline/db/sqlFile.js';
import { generateDemoData, type DemoFiles } from '../pipeline/demo/generateDemoData.js';
import { buildFeatures } from '../pipeline/features/customerFeatures.js';
import { buildSnapshots, planSnapshots } from '../pipeline/features/snapshots.js';
import { SampleTables } from '../pipeline/features/trainingSample.js';
import { ingestInputs, plainIngestOptions } from '../pipeline/ingest/ingestInputs.js';
import { ingestOptions, ingestParams } from '../pipeline/ingest/ingestStage.js';
import { writeExport } from '../pipeline/demo/exportShapes.js';
import { writeFollowUp } from '../pipeline/demo/followUp.js';
import { createLogger } from '../pipeline/log.js';
import { runPipeline } from '../pipeline/runner/run.js';
import { fitBgNbd } from '../pipeline/btyd/bgnbd.js';
import { fitMbgNbd } from '../pipeline/btyd/mbgnbd.js';
import { fitParetoNbd } from '../pipeline/btyd/paretoNbd.js';
import { groupSummaries, type CustomerSummary } from '../pipeline/btyd/summary.js';
import { readSummary } from '../pipeline/features/btydSummary.js';
import { purchaseFit } from '../pipeline/btyd/fitBtyd.js';
import { purchaseModel } from '../pipeline/btyd/purchaseModel.js';
import { simulateBgNbd } from '../pipeline/btyd/simulate.js';
import { HISTORY_SHAPES, writeHistory } from '../pipeline/demo/historyShapes.js';
import { Random } from '../pipeline/shared/random.js';
import { buildBtydFeatures } from '../pipeline/features/btydFeatures.js';
import { featureBatches, modelInputs, readFeatureColumns, withBtydFeatures } from '../pipeline/train/featureColumns.js';
import { CHURN_ARCHITECTURES, VALUE_ARCHITECTURES, scoreNeural } from '../pipeline/learn/neuralModels.js';
import { trainNeuralModels } from '../pipeline/train/neuralTraining.js';
import { initBackend } from '../pipeline/learn/tfBackend.js';
import { PeakMemory, cpuSince, recordedSteps } from '../pipeline/measure.js';
import { champion, loadModelVersion } from '../pipeline/registry/registry.js';
import { scoreCustomers } from '../pipeline/score/scoreStage.js';
import { scoreParams } from '../pipeline/score/scoreParams.js';
import { startPostgres } from '../tests/helpers/postgres.js';
import { benchPostgres } from './postgresBench.js';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    activity: { type: 'string', default: '2' },
    mode: { type: 'string', default: 'run' },
    threads: { type: 'string', default: String(cpus().length) },
    'memory-limit': { type: 'string' },
    'block-allocator-memory': { type: 'string' },
    phase: { type: 'string' },
    model: { type: 'string' },
  },
});

const log = createLogger({ level: 'warn' });
// Mode score takes a list (--customers 1000000,2000000): each size is scored in a child process.
const customerCounts = args.customers!.split(',').map(Number);
const customers = customerCounts[0]!;
const activity = Number(args.activity);
const work = join(packageRoot, 'bench', '.data');
const dataDir = join(work, `demo-${customers}-${activity}`);

/** Times `body`, with the process's peak resident memory while it ran (DuckDB runs in-process). */
async function timed<T>(memory: PeakMemory, body: () => Promise<T> | T): Promise<{ seconds: number; peak_mib: number; result: T }> {
  memory.reset();
  const started = performance.now();
  const result = await body();
  return { seconds: Number(((performance.now() - started) / 1000).toFixed(2)), peak_mib: memory.mib(), result };
}

/** A process's CPU time over a span, as measure.ts's cpuSince gives it: user and kernel, every thread's. */
type Cpu = ReturnType<typeof cpuSince>;

/** A span's CPU time as the report says it: the CPU-seconds, the kernel's part, and the average number of CPUs kept busy over `seconds`. */
const cpuNote = (cpu: Cpu, seconds: number): string =>
  `${cpu.cpu_seconds.toFixed(1)} CPU-s (${cpu.cpu_system_seconds.toFixed(1)} in the kernel), ${busyCpus(cpu.cpu_seconds, seconds)} CPUs busy`;

/** The average number of CPUs `cpuSeconds` kept busy over `seconds` (two decimals). */
const busyCpus = (cpuSeconds: number, seconds: number): string => (cpuSeconds / Math.max(seconds, 1e-3)).toFixed(2);

/**
 * Runs this bench again as a child process with `childArgs` (its mode, phase and size) and this run's activity,
 * threads, memory limit and block allocator's memory, `env` added to its environment: its standard output (a phase's JSON). Throws `failure`
 * when the child fails.
 */
function benchChild(childArgs: readonly string[], failure: string, env: Record<string, string> = {}): string {
  const child = spawnSync(process.execPath, ['--max-old-space-size=8192', fileURLToPath(import.meta.url), ...childArgs,
    '--activity', String(activity), '--threads', args.threads!, ...(args['memory-limit'] ? ['--memory-limit', args['memory-limit']] : []),
    ...(args['block-allocator-memory'] ? ['--block-allocator-memory', args['block-allocator-memory']] : [])],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) throw new Error(failure);
  return child.stdout;
}

/** Mode score's children: prepare a base of `customers` (ingest, features), or score it with --model. */
async function scorePhase(phase: 'score-prepare' | 'score'): Promise<{ step: string; seconds: number; peak_mib: number; note?: string }[]> {
  const path = join(work, `score-${customers}.duckdb`);
  const started = performance.now();
  const seconds = () => Number(((performance.now() - started) / 1000).toFixed(2));
  const peak = new PeakMemory();
  const n = customers.toLocaleString('en-US');
  if (phase === 'score-prepare') {
    rmSync(path, { force: true });
    rmSync(path + '.wal', { force: true });
    const db = await Database.open(path, duckdb);
    await migrate(db);
    await ingestInputs(db, { orders: [files.orders], customers: [files.customers], tickets: [files.tickets] }, plainIngestOptions('bench', new Date()), log);
    await buildFeatures(db, asOf);
    await buildBtydFeatures(db, new SampleTables(db), { sample: [], everyone: [asOf] }, 90);
    db.close();
    return [{ step: `${n} customers: ingest and features (not timed as scoring)`, seconds: seconds(), peak_mib: peak.mib(),
      note: `${orderLines.toLocaleString('en-US')} order lines` }];
  }
  await initBackend(log);
  const db = await Database.open(path, duckdb);
  const models = await loadModelVersion(args.model!);
  const config = loadConfig(undefined, { db: path, duckdb });
  const { step, steps } = recordedSteps();
  const t0 = performance.now();
  const { scored } = await scoreCustomers(db, models, asOf, scoreParams(config), step);
  const scoring = (performance.now() - t0) / 1000;
  db.close();
  return [
    { step: `**${n} customers: score (a process of its own)**`, seconds: Number(scoring.toFixed(2)), peak_mib: peak.mib(),
      note: `${scored.toLocaleString('en-US')} scored, ${Math.round(scored / scoring).toLocaleString('en-US')} customers/s end to end; model ${models.version}` },
    ...steps.map((s) => ({ step: `${n} › ${s.name}`, seconds: s.seconds, peak_mib: NaN,
      note: s.name === 'networks' ? `${Math.round(scored / s.seconds).toLocaleString('en-US')} customers/s` : undefined })),
  ];
}

/** What bench/reference.py prints. */
interface ReferenceResult {
  seconds: number;
  /** Its CPU time over the same stack, every thread's (XGBoost trains on every core). */
  cpu_seconds?: number;
  peak_mib: number;
  customers_scored: number;
  training_rows: number;
  quality: { churn_auc: number; value_gini: number; holdout_customers: number; seconds: number };
  steps: { step: string; seconds: number }[];
  versions: Record<string, string>;
}

/** How many times the bench measures each floor; the fastest is the floor. */
const FLOOR_TIMES = 3;

/**
 * The networks' prediction alone, FLOOR_TIMES times: every customer's model inputs read and both of the champion's
 * networks run, nothing written (the score stage's own step runs beside the BTYD scores and shares the main thread
 * with them: not the networks' own time). Each measurement's seconds; none when the champion has no networks.
 */
async function networksPrediction(db: Database): Promise<number[]> {
  const trained = (await loadModelVersion((await champion(db))!.path)).neural;
  if (!trained) return [];
  await initBackend(log);
  return measureTimes(async () => {
    for await (const batch of featureBatches(db, withBtydFeatures('customer_features'), 'true', 65_536, { only: modelInputs(trained.preprocessor) })) {
      scoreNeural(trained, batch.columns, batch.n);
    }
  });
}

/** `work` done FLOOR_TIMES times, one after the other: each time's seconds. */
async function measureTimes(work: () => Promise<unknown> | unknown): Promise<number[]> {
  const all: number[] = [];
  for (let i = 0; i < FLOOR_TIMES; i++) {
    const t0 = performance.now();
    await work();
    all.push((performance.now() - t0) / 1000);
  }
  return all;
}

/** A floor's measurements, in seconds: the fastest (the floor itself) and the slowest; of how many parts it is made. */
interface Floor { seconds: number; slowest: number; parts: number }

const floorOf = (all: readonly number[]): Floor => ({ seconds: Math.min(...all), slowest: Math.max(...all), parts: 1 });

/**
 * The floor of parts done one after the other (the three files, the three tables, the networks' prediction and the
 * BTYD evaluation): each part's fastest, summed (and each part's slowest, summed: neither is a measured total).
 */
const sumFloors = (parts: readonly Floor[]): Floor => ({
  seconds: parts.reduce((a, p) => a + p.seconds, 0), slowest: parts.reduce((a, p) => a + p.slowest, 0), parts: parts.reduce((a, p) => a + p.parts, 0),
});

/**
 * Runs the reference Python stack (bench/reference.py) on the orders, with Debian's python3 (whose
 * python3-pandas and python3-xgboost it needs; FIDELIO_BENCH_PYTHON names another). When they are
 * missing the bench says so and goes on without the ratio.
 */
function runReference(orders: string, asOf: string, outDir: string): { ok: true; result: ReferenceResult } | { ok: false; why: string } {
  const python = process.env.FIDELIO_BENCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const child = spawnSync(python, [join(packageRoot, 'bench', 'reference.py'), orders, asOf, '90', outDir], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (child.error) return { ok: false, why: `${python} could not be started (${child.error.message}): install Debian's python3, python3-pandas and python3-xgboost` };
  if (child.status === 3) return { ok: false, why: `${child.stderr.trim().split('\n').at(-1)}: the ratio fidelio / Python is not measured` };
  if (child.status !== 0) return { ok: false, why: `bench/reference.py failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' ')}` };
  return { ok: true, result: JSON.parse(child.stdout) as ReferenceResult };
}

const memory = new PeakMemory();
const rows: { step: string; seconds: number; peak_mib: number; note?: string }[] = [];
/** Mode run: each of issue 25's targets, what was measured, whether it is met and, when not, what stops it. */
const targets: { target: string; measured: string; met: boolean; stops?: string }[] = [];

let files: DemoFiles;
const stamp = join(dataDir, 'files.json');
if (args.mode === 'btyd' || args.mode === 'neural' || args.mode === 'exports' || args.mode === 'postgres' || (args.mode === 'score' && !args.phase)) {
  files = { orders: '', customers: '', tickets: '', referrals: '', stats: { customers, orders: 0, refunds: 0, guestOrders: 0, tickets: 0, referrals: 0, badRows: 0, endDate: '' } };
} else if (existsSync(stamp)) {
  files = JSON.parse(readFileSync(stamp, 'utf8')) as DemoFiles;
} else {
  mkdirSync(dataDir, { recursive: true });
  const g = await timed(memory, () => generateDemoData(dataDir, { customers, seed: 42, months: 30, activity }));
  files = g.result;
  writeFileSync(stamp, JSON.stringify(files));
  rows.push({ step: 'generate (not a pipeline stage)', seconds: g.seconds, peak_mib: g.peak_mib });
}
const orderLines = files.stats.orders + files.stats.refunds;
// The configuration's DuckDB settings (memory limit 2GB unless --memory-limit, block allocator 1.5GB unless --block-allocator-memory), as a run has them.
const duckdb = loadConfig(undefined, { duckdb: { threads: Number(args.threads), ...(args['memory-limit'] ? { memoryLimit: args['memory-limit'] } : {}),
  ...(args['block-allocator-memory'] ? { blockAllocatorMemory: args['block-allocator-memory'] } : {}) } }).duckdb;
const dbPath = join(work, 'bench.duckdb');
const asOf = '2026-09-30';

if (args.phase) {
  // A child of the features mode: one phase, its figures as JSON on standard output.
  const out: typeof rows = [];
  const started = performance.now();
  const seconds = () => Number(((performance.now() - started) / 1000).toFixed(2));
  const peak = () => memory.mib();
  if (args.phase === 'ingest') {
    rmSync(dbPath, { force: true });
    rmSync(dbPath + '.wal', { force: true });
  }
  if (args.phase === 'score-prepare' || args.phase === 'score') {
    out.push(...(await scorePhase(args.phase)));
    process.stdout.write(JSON.stringify(out));
    process.exit(0);
  }
  if (args.phase === 'networks-floor') {
    // A child of the run mode: the networks' prediction floor (networksPrediction), each measurement's seconds as JSON.
    const db = await Database.open(dbPath, duckdb);
    try {
      process.stdout.write(JSON.stringify(await networksPrediction(db)));
    } finally {
      db.close();
    }
    process.exit(0);
  }
  if (args.phase === 'run') {
    // A child of the run mode: one pipeline run on the orders FIDELIO_BENCH_ORDERS names (JSON), as of
    // FIDELIO_BENCH_AS_OF when given (otherwise the last order's day), as a user's process has it; its seconds,
    // peak resident set and manifest as JSON on standard output.
    const orders = JSON.parse(process.env.FIDELIO_BENCH_ORDERS ?? '[]') as string[];
    const runAsOf = process.env.FIDELIO_BENCH_AS_OF;
    // FIDELIO_BENCH_SCRATCH: a folder of its own for the database, the release and the models (the whole run again).
    const scratch = process.env.FIDELIO_BENCH_SCRATCH;
    const config = loadConfig(undefined, {
      orders, customers: [files.customers], tickets: [files.tickets],
      db: scratch ? join(scratch, 'bench.duckdb') : dbPath, out: join(scratch ?? work, 'out'), models: join(scratch ?? work, 'models'), duckdb, ...(runAsOf ? { asOf: runAsOf } : {}),
    });
    const cpuAtStart = process.cpuUsage();
    const run = await timed(memory, () => runPipeline(config, log));
    process.stdout.write(JSON.stringify({ seconds: run.seconds, peak_mib: run.peak_mib, cpu: cpuSince(cpuAtStart), manifest: run.result.manifest }));
    process.exit(0);
  }
  const db = await Database.open(dbPath, duckdb);
  await migrate(db);
  if (args.phase === 'ingest') {
    const result = await ingestInputs(db, { orders: [files.orders], customers: [files.customers], tickets: [files.tickets] }, plainIngestOptions('bench', new Date()), log);
    out.push({ step: 'ingest (orders, customers, tickets)', seconds: seconds(), peak_mib: peak(), note: result.map((f) => `${f.kind} ${f.rows_read.toLocaleString('en-US')}`).join(', ') + ' rows' });
  } else if (args.phase === 'features') {
    const n = await buildFeatures(db, asOf);
    out.push({ step: 'features: customer_features', seconds: seconds(), peak_mib: peak(), note: `${n.toLocaleString('en-US')} customers` });
  } else {
    const plan = planSnapshots({ asOf, horizonDays: 90, count: 4, spacingDays: 91 }, '2024-01-01');
    const n = await buildSnapshots(db, plan, 90);
    out.push({ step: 'features: training_snapshots (5 cutoffs)', seconds: seconds(), peak_mib: peak(), note: `${n.toLocaleString('en-US')} rows` });
  }
  db.close();
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}
if (args.mode !== 'neural' && args.mode !== 'score') {
  rmSync(dbPath, { force: true });
  rmSync(dbPath + '.wal', { force: true });
}

if (args.mode === 'neural') {
  // Needs the features mode's database (bench/.data/bench.duckdb): training on the default sample
  // (250,000 snapshot rows) and scoring every customer, for each backend that loads.
  const db = await Database.open(dbPath, duckdb);
  const cutoffs = (await db.all<{ c: string }>('SELECT DISTINCT CAST(as_of AS VARCHAR) AS c FROM training_snapshots ORDER BY c')).map((r) => r.c);
  const asOfFeatures = (await db.value<string>('SELECT CAST(max(as_of) AS VARCHAR) FROM customer_features'))!;
  // As a run has them: the snapshots' cutoffs in the train stage's table, as-of in the features stage's.
  const btyd = await timed(memory, async () => {
    await buildBtydFeatures(db, new SampleTables(db), { sample: cutoffs, everyone: [] }, 90, undefined, 7, true, 'training_btyd_features');
    return buildBtydFeatures(db, new SampleTables(db), { sample: [], everyone: [asOfFeatures] }, 90);
  });
  rows.push({ step: `BG/NBD features: a fit per cutoff (${cutoffs.length + 1} cutoffs)`, seconds: btyd.seconds, peak_mib: btyd.peak_mib });
  const features = await readFeatureColumns(db, withBtydFeatures('customer_features'));
  for (const backend of ['tensorflow', 'wasm', 'cpu'] as const) {
    const name = await initBackend(log, backend);
    if (name !== backend) continue;
    const fitCutoffs = cutoffs.slice(0, -2);
    const train = await timed(memory, () =>
      trainNeuralModels(db, fitCutoffs, cutoffs.at(-2)!, 42, log, backend === 'cpu' ? { churn: [[32, 16]], value: [[32, 16]] } : undefined));
    const t = train.result;
    rows.push({ step: `${backend}: train the networks`, seconds: train.seconds, peak_mib: train.peak_mib,
      note: `${t.window.fitRows.toLocaleString('en-US')} rows sampled to fit, ${t.window.validationRows.toLocaleString('en-US')} to validate; ${backend === 'cpu' ? '1 architecture each' : `${CHURN_ARCHITECTURES.length} + ${VALUE_ARCHITECTURES.length} architectures`}; churn ${t.churn.epochs} epochs, value ${t.value.epochs}` });
    const score = await timed(memory, () => scoreNeural(t, features.data, features.n));
    rows.push({ step: `${backend}: score ${features.n.toLocaleString('en-US')} customers`, seconds: score.seconds, peak_mib: score.peak_mib,
      note: `${Math.round(features.n / score.seconds).toLocaleString('en-US')} customers/s (preprocessing, both networks, calibration)` });
    t.churn.model.dispose();
    t.value.model.dispose();
  }
  db.close();
} else if (args.mode === 'exports') {
  // A real shop's line-item export at the size of the UK gift retailer's (about 541,909 lines), ingested
  // clean and with half its lines rejected (their dates unreadable): the cost of rejections should be linear.
  mkdirSync(work, { recursive: true });
  const clean = join(work, 'line-items.csv');
  const truth = writeExport('line-items', clean, 42, 30_800);
  const lines = readFileSync(clean, 'utf8').split('\n');
  const halfBad = join(work, 'line-items-half-rejected.csv');
  writeFileSync(halfBad, lines.map((l, i) => (i > 0 && i % 2 === 0 ? l.replace(/,\d+\/\d+\/\d{4} \d+:\d\d,/, ',someday,') : l)).join('\n'));
  const config = loadConfig(undefined, {
    currency: 'GBP', formats: { orders: { dateFormat: '%m/%d/%Y %H:%M', grain: 'line' } }, ingest: { maxRejectedShare: 1 },
    columns: { orders: { order_id: 'InvoiceNo', customer_id: 'CustomerID', order_ts: 'InvoiceDate', quantity: 'Quantity', unit_price: 'UnitPrice', product_id: 'StockCode', product_name: 'Description' } },
  });
  for (const [name, path] of [['clean', clean], ['half of the lines rejected', halfBad]] as const) {
    const db = await Database.open(':memory:', duckdb);
    await migrate(db);
    const p = ingestParams(config);
    const r = await timed(memory, () => ingestInputs(db, { orders: [path] }, ingestOptions(p, 'bench', new Date()), log));
    const f = r.result[0]!;
    rows.push({ step: `ingest, ${name}`, seconds: r.seconds, peak_mib: r.peak_mib, note: `${f.rows_read.toLocaleString('en-US')} lines: ${f.rows_accepted.toLocaleString('en-US')} accepted, ${f.rows_rejected.toLocaleString('en-US')} rejected, ${f.rows_duplicate.toLocaleString('en-US')} duplicate; ${(f.orders_new ?? 0).toLocaleString('en-US')} orders` });
    db.close();
  }
  rows.push({ step: 'ratio', seconds: Number((rows.at(-1)!.seconds / rows.at(-2)!.seconds).toFixed(2)), peak_mib: NaN, note: `half rejected against clean (target at most 3); ${truth.lines.toLocaleString('en-US')} lines written` });
} else if (args.mode === 'postgres') {
  mkdirSync(work, { recursive: true });
  const server = process.env.FIDELIO_POSTGRES_URL ? undefined : await startPostgres({ durable: true });
  const path = join(work, 'postgres.duckdb');
  rmSync(path, { force: true });
  const db = await Database.open(path, duckdb);
  try {
    const url = process.env.FIDELIO_POSTGRES_URL ?? server!.adminUrl;
    rows.push(...(await benchPostgres(db, { url, schema: 'fidelio_bench', lockTimeoutSeconds: 60 }, customers, memory)));
  } finally {
    db.close();
    rmSync(path, { force: true });
    server?.stop();
  }
} else if (args.mode === 'btyd') {
  // The fits alone: on a million customers' summaries drawn from BG/NBD with the CDNOW parameters
  // (weeks, day resolution, first purchases spread over 78 weeks); on the two real-history shapes
  // (the steady wholesaler's year of 4,339 customers, no visible dropout; the seasonal gift shop);
  // and on 50 customers who never came back. Targets (issue 15): 20 s, 5 s and 1 s.
  const rng = new Random(7);
  const truth = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
  const summaries = simulateBgNbd(truth, customers, rng, () => rng.int(78 * 7 + 1) / 7, 1 / 7);
  const fitters = [['BG/NBD', fitBgNbd], ['MBG/NBD', fitMbgNbd], ['Pareto/NBD', fitParetoNbd]] as const;
  const fitAll = async (label: string, sums: CustomerSummary[]) => {
    const groups = groupSummaries(sums).w.length;
    for (const [name, fit] of fitters) {
      const r = await timed(memory, () => fit(sums));
      const p = Object.values(r.result.params).map((v) => Number(v.toPrecision(4))).join(', ');
      const issues = r.result.report.degenerate.map((d) => d.issue).join(', ');
      rows.push({ step: `fit ${name}, ${label}`, seconds: r.seconds, peak_mib: r.peak_mib, note: `${sums.length.toLocaleString('en-US')} customers in ${groups.toLocaleString('en-US')} groups; params ${p}; ${r.result.report.iterations} iterations, converged ${r.result.report.converged}${issues ? `; ${issues}` : ''}` });
    }
  };
  await fitAll('a million customers', summaries);
  mkdirSync(work, { recursive: true });
  for (const shape of HISTORY_SHAPES) {
    const path = join(work, `${shape}.csv`);
    writeHistory(shape, path, 42, shape === 'steady-shop' ? 4339 : 4000);
    const db = await Database.open(':memory:');
    await db.run(`CREATE TABLE orders AS SELECT CAST(customer_id AS VARCHAR) AS customer_id, CAST(order_ts AS DATE) AS order_date, CAST(amount AS DECIMAL(18, 2)) AS amount FROM read_csv('${path}', all_varchar = true)`);
    const asOf = await db.value<string>('SELECT CAST(max(order_date) AS VARCHAR) FROM orders');
    const { rows: shop } = await readSummary(db, 'orders', asOf!, 7);
    db.close();
    await fitAll(`${shape} (${asOf})`, shop);
  }
  await fitAll('50 customers who never came back', Array.from({ length: 50 }, (_, i) => ({ x: 0, t_x: 0, T: 10 + (i % 5) })));
} else if (args.mode === 'score') {
  // The champion of mode run's database scores bases of each size, each in a fresh process (its peak
  // resident set is the scoring's own): the data, ingest and features first, in a process of their own.
  const runDb = await Database.open(dbPath, { ...duckdb, readOnly: true });
  const model = await champion(runDb);
  runDb.close();
  if (!model) throw new Error(`no champion in ${dbPath}: run \`npm run bench\` (mode run) first`);
  for (const n of customerCounts) {
    for (const phase of ['score-prepare', 'score'] as const) {
      const out = benchChild(['--mode', 'score', '--phase', phase, '--customers', String(n), '--model', model.path], `bench phase ${phase} (${n} customers) failed`);
      rows.push(...(JSON.parse(out) as typeof rows));
    }
  }
} else if (args.mode === 'features') {
  // Each phase in its own process, so that its peak resident set is its own (DuckDB keeps its
  // buffer pool for the life of the process) and is read exactly from getrusage at exit.
  for (const phase of ['ingest', 'features', 'snapshots'] as const) {
    const out = benchChild(['--phase', phase, '--customers', String(customers)], `bench phase ${phase} failed`);
    rows.push(...(JSON.parse(out) as typeof rows));
  }
} else {
  // Four runs on the same database: the whole run (it trains), the same files again at the same as-of (a rerun,
  // every file already loaded), the daily run (one more day of orders, the champion kept) and the champion-kept
  // run (the base one day later, no new orders: the run the issue's "a run that keeps the champion" times, where
  // every customer's recency moves and nothing is as it was), each in a process of its own, as a user's runs are:
  // its peak resident set is its own, not also what the runs before it left in one process (a JavaScript heap
  // grown by the training). Then the floors the issue sets, measured on the same data (in this process but the
  // networks' prediction, measured in a process of its own).
  const runOnce = (label: string, orders: string[], runAsOf?: string, scratch?: string) => {
    const out = benchChild(['--mode', 'run', '--phase', 'run', '--customers', String(customers)], `bench run ${label || 'whole'} failed`,
      { FIDELIO_BENCH_ORDERS: JSON.stringify(orders), ...(runAsOf ? { FIDELIO_BENCH_AS_OF: runAsOf } : {}), ...(scratch ? { FIDELIO_BENCH_SCRATCH: scratch } : {}) });
    type Manifest = Awaited<ReturnType<typeof runPipeline>>['manifest'];
    const run = JSON.parse(out) as { seconds: number; peak_mib: number; cpu: Cpu; manifest: Manifest; result: { manifest: Manifest } };
    run.result = { manifest: run.manifest };
    const prefix = label ? `${label}: ` : '';
    for (const s of run.result.manifest.stages) {
      const rowsNote = [s.rows_in !== undefined ? `${s.rows_in.toLocaleString('en-US')} rows in` : '', s.rows_out !== undefined ? `${s.rows_out.toLocaleString('en-US')} out` : '',
        s.cpu_seconds !== undefined ? cpuNote({ cpu_seconds: s.cpu_seconds, cpu_system_seconds: s.cpu_system_seconds ?? 0 }, s.seconds) : ''].filter(Boolean).join(', ');
      rows.push({ step: `**${prefix}${s.name}**`, seconds: s.seconds, peak_mib: s.peak_rss_mib ?? NaN, note: rowsNote || undefined });
      for (const st of s.steps ?? []) rows.push({ step: `${prefix}${s.name} › ${st.name}`, seconds: st.seconds, peak_mib: NaN });
    }
    const m = run.result.manifest;
    const skipped = m.inputs.filter((f) => f.already_loaded).length;
    // Each stage resets the process's high-water mark to measure its own: the run's peak is the highest of them.
    run.peak_mib = Math.max(run.peak_mib, ...m.stages.map((s) => s.peak_rss_mib ?? 0));
    rows.push({ step: `**fidelio run (${label || 'whole'})**`, seconds: run.seconds, peak_mib: run.peak_mib,
      note: `as of ${m.as_of}, model ${m.model_version} (${m.model?.trained ? 'trained' : 'champion kept'}), backend ${m.tfjs_backend}; ${m.inputs.length - skipped} files read, ${skipped} skipped as loaded; ${cpuNote(run.cpu, run.seconds)}` });
    return run;
  };
  const whole = runOnce('', [files.orders]);
  const asOfWhole = whole.result.manifest.as_of ?? asOf;
  // The reference stack (bench/reference.py): pandas features and XGBoost models on the same orders, in this run, right
  // after fidelio's whole run, so that the ratio compares two runs one after the other rather than minutes apart: a
  // shared host's speed drifts by 15-30% within minutes (issue 25's stop of 2026-12-07 measured the same build's whole
  // run at 112 s and 130 s ten minutes apart, and two benches' whole runs at 143 s and 162 s while their reference, run
  // after the other runs and the floors, took 86 s and 89 s).
  const reference = runReference(files.orders, asOfWhole, join(work, 'reference'));
  // Then both again, in the same order (fidelio's whole run from nothing in a folder of its own, then the reference): one
  // pair can fall across such a change of speed, and the ratio is the two pairs' sums. The second whole run's stages are not listed: the first's database is
  // the one the runs after it use.
  const scratch = join(work, 'again');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const rowsBefore = rows.length;
  const again = runOnce('whole, again', [files.orders], undefined, scratch);
  const againTotal = rows.at(-1)!;
  rows.length = rowsBefore;
  rows.push({ ...againTotal, note: `${againTotal.note}; from nothing in a folder of its own, after the reference stack${again.result.manifest.model_version === whole.result.manifest.model_version ? ', the same model version as the first' : `: ANOTHER MODEL VERSION than the first's ${whole.result.manifest.model_version}`}` });
  rmSync(scratch, { recursive: true, force: true });
  const referenceAgain = reference.ok ? runReference(files.orders, asOfWhole, join(work, 'reference')) : reference;
  // The pairs' sums, when both references ran.
  const paired = reference.ok && referenceAgain.ok
    ? { fidelio: whole.seconds + again.seconds, python: reference.result.seconds + referenceAgain.result.seconds, second: referenceAgain.result.seconds }
    : undefined;
  const stageIn = (run: typeof whole, name: string) => run.result.manifest.stages.find((s) => s.name === name);
  const stepIn = (run: typeof whole, name: string, stepName: string) => stageIn(run, name)?.steps?.find((st) => st.name === stepName)?.seconds ?? NaN;
  const stage = (name: string) => stageIn(whole, name)!;
  const rerun = runOnce('rerun, same as-of', [files.orders]);
  const day = await writeFollowUp(join(work, 'out'), join(work, 'day'), { days: 1, seed: 42 });
  const daily = runOnce(`daily, ${day.purchases.toLocaleString('en-US')} new orders`, [files.orders, day.orders]);
  const kept = runOnce('champion kept, one day later', [files.orders, day.orders], addDays(daily.result.manifest.as_of!, 1));

  // Floors (issue 25): each stage against the same work done natively, measured on the same data.
  // Each is measured FLOOR_TIMES times and the fastest kept: a floor is the least the native work takes, and one
  // measurement on a busy host can come out slower than the work (the features' floor once measured 5.12 s, and made a
  // slower stage "within 3x"; measured three times on the same host, 4.03-4.37 s). The spread is said beside each.
  // (The stages are timed once, in their runs: the ratios lean strict.)
  // The networks' prediction alone (networksPrediction), in a process of its own, before this one opens the database
  // (one process holds it at a time): measured in this one, after the runs and beside what it holds, it took 4.9-6.9 s,
  // against 3.2-4.5 s in a fresh process on the same database.
  const networkTimes = JSON.parse(benchChild(['--mode', 'run', '--phase', 'networks-floor', '--customers', String(customers)], 'bench phase networks-floor failed')) as number[];
  const networks = networkTimes.length ? floorOf(networkTimes) : floorOf([0]);
  const db = await Database.open(dbPath, duckdb);
  const fastest = async (work: () => Promise<unknown> | unknown): Promise<Floor> => floorOf(await measureTimes(work));
  const sql = (statement: string) => () => db.run(statement);
  // Scoring: the networks' prediction plus one evaluation of the champion's purchase model per distinct history
  // (x, t_x, T) at as-of: its horizon and twelve months. Measured first, before the floors that write (the typed reads,
  // the Parquet, CSV and copy): a floor measured slow flatters its stage.
  const championModels = await loadModelVersion((await champion(db))!.path);
  const summary = await readSummary(db, 'orders', asOfWhole, championModels.btyd.unit_days);
  const histories = groupSummaries(summary.rows);
  const purchase = purchaseModel(championModels.btydModel, purchaseFit(championModels.btyd, championModels.btydModel));
  const times = [90, ...Array.from({ length: 12 }, (_, k) => ((k + 1) * 365.25) / 12)].map((d) => d / championModels.btyd.unit_days);
  let check = 0;
  const btydFloor = await fastest(() => {
    const curve = purchase.curve(times);
    check = 0;
    for (let i = 0; i < histories.w.length; i++) check += curve(histories.x[i]!, histories.t_x[i]!, histories.T[i]!)[0]!;
  });
  if (!Number.isFinite(check)) throw new Error('the BTYD floor evaluated to a non-finite sum');
  const scoreFloor = sumFloors([networks, btydFloor]);
  // Ingest: DuckDB's typed read_csv of the three files (types detected, unreadable rows kept in its reject table).
  const ingestEach: Floor[] = [];
  for (const f of [files.orders, files.customers, files.tickets]) {
    ingestEach.push(await fastest(sql(`CREATE OR REPLACE TEMP TABLE floor_read AS SELECT * FROM read_csv(${literal(f)}, store_rejects = true)`)));
  }
  const ingestFloor = sumFloors(ingestEach);
  // Features: one query computing customer_features' order aggregates (counts, spend, dates, purchase days,
  // refunds, recent windows, categories, channels, discounts).
  const featuresFloor = await fastest(sql(`CREATE OR REPLACE TEMP TABLE floor_features AS
    SELECT customer_id, count(*) FILTER (WHERE amount > 0) AS orders, count(*) FILTER (WHERE amount < 0) AS refunds,
      sum(amount) AS net_spend, sum(amount) FILTER (WHERE amount > 0) AS gross_spend, avg(amount) FILTER (WHERE amount > 0) AS mean_basket,
      max(amount) AS max_basket, min(order_date) AS first_order, max(order_date) AS last_order, count(DISTINCT order_date) AS purchase_days,
      DATE '${asOfWhole}' - max(order_date) AS recency_days, DATE '${asOfWhole}' - min(order_date) AS tenure_days,
      sum(amount) FILTER (WHERE order_date > DATE '${asOfWhole}' - 30) AS spend_30d, sum(amount) FILTER (WHERE order_date > DATE '${asOfWhole}' - 90) AS spend_90d,
      sum(amount) FILTER (WHERE order_date > DATE '${asOfWhole}' - 365) AS spend_365d, count(DISTINCT category) AS categories,
      count(DISTINCT channel) AS channels, avg(CASE WHEN discount_used THEN 1 ELSE 0 END) AS discount_share
    FROM orders WHERE order_date <= DATE '${asOfWhole}' GROUP BY customer_id`));
  // Publication: the same rows (customer_scores, kpis_monthly, personas) written to Parquet once.
  mkdirSync(join(work, 'floor'), { recursive: true });
  const publishEach: Floor[] = [];
  for (const t of ['customer_scores', 'kpis_monthly', 'personas']) {
    publishEach.push(await fastest(sql(`COPY (SELECT * FROM ${t}) TO ${literal(join(work, 'floor', `${t}.parquet`))} (FORMAT parquet)`)));
  }
  const publishFloor = sumFloors(publishEach);
  // What the contract asks of every publication, natively: customer_scores in the three forms the release holds
  // (shared/CONTRACT.md: .parquet and .csv, and the read-only DuckDB copy for BI tools), two connections at once (the
  // CSV on one, the Parquet then the copy on the other: the two halves take about as long, and the cores are full).
  // No publication that keeps the contract's forms writes less; the issue's floor writes customer_scores (with
  // kpis_monthly and personas) in one of the three, Parquet. Each measurement writes a copy of its own (removed with
  // the folder): removing the last one is not timed. And the contract's fourth form, the same rows as a table of the
  // working database (the score stage writes it).
  const beside = await db.beside();
  let copies = 0;
  const contractForms = await fastest(async () => {
    const formsCopy = join(work, 'floor', `customer_scores-${++copies}.duckdb`);
    await Promise.all([
      beside.run(`COPY (SELECT * FROM customer_scores) TO ${literal(join(work, 'floor', 'customer_scores.csv'))} (HEADER, DELIMITER ',')`),
      (async () => {
        await db.run(`COPY (SELECT * FROM customer_scores) TO ${literal(join(work, 'floor', 'customer_scores.parquet'))} (FORMAT parquet)`);
        await db.run(`ATTACH ${literal(formsCopy)} AS floor_copy`);
        try {
          await db.run('CREATE TABLE floor_copy.customer_scores AS SELECT * FROM customer_scores');
        } finally {
          await db.run('DETACH floor_copy');
        }
      })(),
    ]);
  });
  beside.close();
  let workingTable: Floor;
  try {
    workingTable = await fastest(sql('CREATE OR REPLACE TABLE floor_scores AS SELECT * FROM customer_scores'));
  } finally {
    await db.run('DROP TABLE IF EXISTS floor_scores');
  }
  await db.run('DROP TABLE floor_read; DROP TABLE floor_features');
  db.close();
  rmSync(join(work, 'floor'), { recursive: true, force: true });

  if (reference.ok) {
    for (const st of reference.result.steps) rows.push({ step: `reference (Python) › ${st.step}`, seconds: st.seconds, peak_mib: NaN });
    const q = reference.result.quality;
    rows.push({ step: '**reference stack: pandas + XGBoost (bench/reference.py)**', seconds: reference.result.seconds, peak_mib: reference.result.peak_mib,
      note: `run right after fidelio's whole run; ${reference.result.cpu_seconds !== undefined ? `${reference.result.cpu_seconds.toFixed(1)} CPU-s, ${busyCpus(reference.result.cpu_seconds, reference.result.seconds)} CPUs busy; ` : ''}${reference.result.customers_scored.toLocaleString('en-US')} customers scored, trained on ${reference.result.training_rows.toLocaleString('en-US')}; pandas ${reference.result.versions.pandas}, xgboost ${reference.result.versions.xgboost}; not timed: its backtest windows give churn AUC ${q.churn_auc}, spend Gini ${q.value_gini} on ${q.holdout_customers.toLocaleString('en-US')} customers (${q.seconds} s)` });
    if (paired) {
      rows.push({ step: '**reference stack again**', seconds: paired.second, peak_mib: referenceAgain.ok ? referenceAgain.result.peak_mib : NaN,
        note: `run right after fidelio's second whole run${referenceAgain.ok && referenceAgain.result.cpu_seconds !== undefined ? `; ${referenceAgain.result.cpu_seconds.toFixed(1)} CPU-s, ${busyCpus(referenceAgain.result.cpu_seconds, paired.second)} CPUs busy` : ''}` });
    }
    const pairRatios = [whole.seconds / reference.result.seconds, ...(paired ? [again.seconds / paired.second] : [])];
    rows.push({ step: 'ratio fidelio / reference (whole run)', seconds: Number((paired ? paired.fidelio / paired.python : pairRatios[0]!).toFixed(2)), peak_mib: NaN,
      note: paired
        ? `fidelio ${whole.seconds.toFixed(1)} + ${again.seconds.toFixed(1)} s against the reference's ${reference.result.seconds.toFixed(1)} + ${paired.second.toFixed(1)} s, run alternately; each pair's ratio ${pairRatios.map((r) => r.toFixed(2)).join(' and ')} (target below 1, goal 0.5)`
        : `fidelio ${whole.seconds.toFixed(1)} s against the reference's ${reference.result.seconds.toFixed(1)} s (target below 1, goal 0.5; the second reference: ${referenceAgain.ok ? 'measured' : referenceAgain.why})` });
  } else {
    rows.push({ step: 'reference stack: NOT MEASURED', seconds: NaN, peak_mib: NaN, note: reference.why });
  }

  const ratioRows: typeof rows = [];
  const ratios: { name: string; ratio: number; note: string }[] = [];
  const against = (name: string, seconds: number, floor: Floor, what: string, besides?: string) => {
    // Met on the ratio itself, not on its rounding (3.04x is not within 3x).
    const ratio = seconds / floor.seconds;
    const measured = floor.parts > 1
      ? `each of its ${floor.parts} parts the fastest of ${FLOOR_TIMES} measurements, summed (${floor.seconds.toFixed(2)} s; their slowest summed, ${floor.slowest.toFixed(2)} s)`
      : `the fastest of ${FLOOR_TIMES} measurements (${floor.seconds.toFixed(2)} to ${floor.slowest.toFixed(2)} s)`;
    const note = `${what}, ${measured}; the stage took ${seconds.toFixed(1)} s, ${ratio.toFixed(2)}x its floor (target 3x)`;
    ratios.push({ name, ratio, note: besides ? `${note}; ${besides}` : note });
    ratioRows.push({ step: `floor: ${name}`, seconds: Number(floor.seconds.toFixed(2)), peak_mib: NaN, note });
  };
  against('ingest', stage('ingest').seconds, ingestFloor, "DuckDB's typed read_csv of the three files with its reject table (store_rejects)");
  against('features', stage('features').seconds, featuresFloor, "one DuckDB query computing customer_features' order aggregates");
  against('score', stage('score').seconds, scoreFloor,
    `the networks' prediction (every customer's inputs read and both networks run, ${networks.seconds.toFixed(2)} s) plus one evaluation of the champion's ${championModels.btydModel} per distinct history (${histories.w.length.toLocaleString('en-US')} histories, ${btydFloor.seconds.toFixed(2)} s)`);
  // The contract's forms against the publication's floor: whether a publication that writes them can be within 3x of it.
  const formsRatio = contractForms.seconds / publishFloor.seconds;
  const formsNote = `customer_scores written natively in the three forms the contract publishes it in (Parquet, CSV, the read-only DuckDB copy), two connections at once, the fastest of ${FLOOR_TIMES} measurements (${contractForms.seconds.toFixed(2)} to ${contractForms.slowest.toFixed(2)} s), ${formsRatio.toFixed(2)}x the publication's floor: ${
    formsRatio > 3 ? "beyond 3x of it by themselves, so a publication that writes the contract's forms as DuckDB writes them here cannot be within 3x of that floor" : 'within 3x of it'}`;
  against('publish', stage('publish').seconds, publishFloor, 'writing the same rows (customer_scores, kpis_monthly, personas) to Parquet once', formsNote);
  ratioRows.push({ step: "floor: publish in the contract's forms", seconds: Number(contractForms.seconds.toFixed(2)), peak_mib: NaN, note: formsNote });
  ratioRows.push({ step: 'customer_scores as a table of the working database', seconds: Number(workingTable.seconds.toFixed(2)), peak_mib: NaN,
    note: `the contract's fourth form of the same rows (written by the score stage), natively, the fastest of ${FLOOR_TIMES} measurements (${workingTable.seconds.toFixed(2)} to ${workingTable.slowest.toFixed(2)} s)` });
  rows.push(...ratioRows);

  // The targets, each said plainly: met, or what stops it (the floors measured above and the stages' own steps).
  const seconds = (run: typeof whole, name: string) => stageIn(run, name)?.seconds ?? NaN;
  const s1 = (v: number) => `${v.toFixed(1)} s`;
  const [backtestNetworks, refitNetworks] = [stepIn(whole, 'train', 'backtest: networks'), stepIn(whole, 'train', 'networks')];
  const rescoring = (run: typeof whole) => `every customer is rescored (features ${s1(seconds(run, 'features'))}, score ${s1(seconds(run, 'score'))}, publish ${s1(seconds(run, 'publish'))})`;
  // What the floors allow a run that rescores everyone: each of its stages at 3x its floor, and how near its floor each must come for the target.
  const rescoreFloors = featuresFloor.seconds + scoreFloor.seconds + publishFloor.seconds;
  // And the native work no such run can do without (the score floor, customer_scores in the contract's four forms), each
  // part measured alone and summed (the networks' prediction keeps about 1.3 cores busy, so a run could overlap a little
  // of it with other work): what it leaves of the target for everything else the run does.
  const rescoreNative = scoreFloor.seconds + workingTable.seconds + contractForms.seconds;
  // The least time the run's CPU time allows on this machine's CPUs (those this process may use): its CPU-seconds over
  // them. Above the target, better overlap alone cannot meet it at that CPU cost, only less CPU time (less work, or work
  // that costs less CPU: contention, the kernel's page faults and slower shared CPUs all count in it); below it, the CPU
  // time does not rule the target out (it is needed, not enough).
  const cpuCount = availableParallelism();
  const workBound = (run: typeof whole, target: number) => {
    const least = run.cpu.cpu_seconds / cpuCount;
    const work = `${run.cpu.cpu_seconds.toFixed(1)} CPU-seconds (${run.cpu.cpu_system_seconds.toFixed(1)} in the kernel)`;
    const busy = `it kept ${busyCpus(run.cpu.cpu_seconds, run.seconds)} of the ${cpuCount} CPUs busy on average`;
    return least > target
      ? `the run's CPU time alone rules it out: ${work} take at least ${s1(least)} on ${cpuCount} CPUs however they are overlapped (${busy}), so the target needs at least ${(run.cpu.cpu_seconds - target * cpuCount).toFixed(1)} CPU-seconds less (less work, or work that costs less CPU), not better overlap alone`
      : `the run's CPU time does not rule the target out: ${work} take at least ${s1(least)} on ${cpuCount} CPUs (${busy})`;
  };
  const floorsAllow = (target: number, run: typeof whole) => {
    const ingest = seconds(run, 'ingest');
    const left = target - ingest - rescoreNative;
    return `with features, score and publish each at 3x its floor a run would take ${s1(3 * rescoreFloors + ingest)} (floors ${s1(featuresFloor.seconds)}, ${s1(scoreFloor.seconds)} and ${s1(publishFloor.seconds)}, and this run's ingest ${s1(ingest)}): ${
      3 * rescoreFloors + ingest <= target ? 'the floors allow the target' : `the target needs each within ${((target - ingest) / rescoreFloors).toFixed(1)}x its floor`}; `
      + `the native work every run that rescores everyone does, each part measured alone and summed (the score floor ${s1(scoreFloor.seconds)}, customer_scores as the working table ${s1(workingTable.seconds)} and in the release's three forms ${s1(contractForms.seconds)}), takes ${s1(rescoreNative)}: ${
        left > 0 ? `with this run's ingest it leaves ${s1(left)} of the target for all the rest (customer_features and the BG/NBD view as of the day, personas, the rankings, segments and actions, reasons, KPIs, the report, the score history)` : 'with this run\'s ingest, more than the target'}`;
  };
  targets.push(
    reference.ok
      ? { target: 'the whole run faster than the reference Python stack (goal: twice as fast)',
          measured: paired
            ? `${s1(whole.seconds)} and ${s1(again.seconds)} against ${s1(reference.result.seconds)} and ${s1(paired.second)}, alternately: ${(paired.fidelio / paired.python).toFixed(2)}x`
            : `${s1(whole.seconds)} against ${s1(reference.result.seconds)}: ${(whole.seconds / reference.result.seconds).toFixed(2)}x`,
          met: paired ? paired.fidelio < paired.python : whole.seconds < reference.result.seconds,
          stops: `${workBound(whole, paired ? paired.python / 2 : reference.result.seconds)}${reference.result.cpu_seconds !== undefined ? ` (the reference stack: ${reference.result.cpu_seconds.toFixed(1)} CPU-seconds, ${busyCpus(reference.result.cpu_seconds, reference.result.seconds)} CPUs busy)` : ''}; training takes ${s1(seconds(whole, 'train'))}, of which the backtest's networks ${s1(backtestNetworks)} (the architecture search, then the chosen ones on all rows) and the refit's ${s1(refitNetworks)} (started once the backtest's are trained, beside the backtest's end and the choice of champions), on wasm with two cores, the training snapshots ${s1(stepIn(whole, 'train', 'training snapshots'))} and BG/NBD per cutoff ${s1(stepIn(whole, 'train', 'BG/NBD features per cutoff'))}; scoring ${s1(seconds(whole, 'score'))} against its floor of ${s1(scoreFloor.seconds)}` }
      : { target: 'the whole run faster than the reference Python stack', measured: 'not measured', met: false, stops: reference.why },
    { target: 'a run that keeps the champion under 30 s (the base one day later, no new orders)', measured: s1(kept.seconds), met: kept.seconds < 30,
      stops: `${workBound(kept, 30)}; customer_features is carried from the day before (${s1(stepIn(kept, 'features', 'customer_features'))}), but ${rescoring(kept)}; ${floorsAllow(30, kept)}; the same files again at the same as-of took ${s1(rerun.seconds)}` },
    { target: 'the daily run under 20 s', measured: s1(daily.seconds), met: daily.seconds < 20,
      stops: `${workBound(daily, 20)}; ingest reads only the new day (${s1(seconds(daily, 'ingest'))}) and customer_features is carried from the last run, rebuilt from their rows for the customers the day touched only (${s1(stepIn(daily, 'features', 'customer_features'))}), but ${rescoring(daily)}; ${floorsAllow(20, daily)}` },
    ...[['whole', whole], ['rerun', rerun], ['daily', daily], ['champion kept', kept]].map(([label, run]) => {
      const r = run as typeof whole;
      return { target: `peak memory under 3 GB (${label as string})`, measured: `${r.peak_mib.toLocaleString('en-US')} MiB`, met: r.peak_mib < 3072,
        stops: `DuckDB holds up to its memory limit (${duckdb.memoryLimit}), and keeps what its blocks used up to the block allocator's memory (${duckdb.blockAllocatorMemory}), while the JavaScript heap holds a stage's columns` };
    }),
    ...ratios.map((r) => ({ target: `${r.name} within 3x its floor`, measured: `${r.ratio.toFixed(2)}x`, met: r.ratio <= 3, stops: r.note })),
  );
}

const report = {
  date: new Date().toISOString().slice(0, 10),
  mode: args.mode,
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
  duckdb,
  data: { customers, order_lines: orderLines, tickets: files.stats.tickets },
  steps: rows,
  ...(targets.length ? { targets } : {}),
};
const fmt = (v: number) => (Number.isFinite(v) ? String(v) : '');
const md = [
  `# fidelio benchmark (${report.mode})`,
  '',
  `${report.date}, ${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memory_gib} GiB, Node ${report.machine.node}; DuckDB threads ${duckdb.threads}, memory limit ${duckdb.memoryLimit}, block allocator ${duckdb.blockAllocatorMemory}.`,
  args.mode === 'score'
    ? `Data: bases of ${customerCounts.map((c) => c.toLocaleString('en-US')).join(' and ')} customers from the demo generator (seed 42, activity ${activity}), scored by mode run's champion; each size's scoring runs in a process of its own, whose peak resident set is the figure.`
    : args.mode === 'neural'
    ? `Data: the features mode's database (${customers.toLocaleString('en-US')} customers, snapshots at 5 cutoffs 91 days apart); the networks fit on the older cutoffs and validate on the second latest.`
    : args.mode === 'exports'
    ? `Data: a line-item export in the UK gift retailer's shape (InvoiceNo, StockCode, Description, Quantity, InvoiceDate as M/D/YYYY H:MM, UnitPrice, CustomerID, Country; cancellations, guests), seed 42, ingested into a fresh database each time.`
    : args.mode === 'postgres'
    ? `Data: ${customers.toLocaleString('en-US')} customers' scores made in DuckDB from the data dictionary (every column of customer_scores, seeded values of its type and range), published into ${process.env.FIDELIO_POSTGRES_URL ? 'the server of FIDELIO_POSTGRES_URL' : "a PostgreSQL 15 server on the same machine with its default durability (fsync on), sharing the cores"}; the time is publishPostgres's, export from DuckDB included.`
    : args.mode === 'btyd'
    ? `Data: ${customers.toLocaleString('en-US')} customer summaries (x, t_x, T in weeks at day resolution) drawn from BG/NBD with the CDNOW parameters (r 0.2426, alpha 4.4135, a 0.7929, b 2.4258), first purchases spread over 78 weeks, seed 7; the summaries at the last day of demo-data's steady-shop (4,339 customers drawn, a trade wholesaler's year, no visible dropout) and seasonal-shop (4,000 drawn, two years of a gift retailer), seed 42; and 50 customers who never came back. Each fit includes grouping, the optimiser and the standard errors. Targets: a million customers under 20 s, the shop under 5 s, the 50 under 1 s.`
    : `Data: ${customers.toLocaleString('en-US')} customers, ${orderLines.toLocaleString('en-US')} order lines, ${files.stats.tickets.toLocaleString('en-US')} tickets (the demo generator, seed 42, activity ${activity}).`,
  '',
  '| step | seconds | peak RSS (MiB) | note |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.step} | ${fmt(r.seconds)} | ${fmt(r.peak_mib)} | ${r.note ?? ''} |`),
  '',
  ...(targets.length
    ? ['## Against the targets (issue 25)', '', '| target | measured | met | what stops it |', '|---|---|---|---|',
        ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**not met**'} | ${t.met ? '' : t.stops ?? ''} |`), '']
    : []),
].join('\n');
const base = join(packageRoot, 'bench', `REPORT-${args.mode}`);
writeFileSync(`${base}.md`, md);
writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
process.stdout.write(md);
