import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runBtydCommand } from './btyd/btydCommand.js';
import { loadConfig, type ConfigInput } from './config.js';
import { Database, literal } from './db/Database.js';
import { migrate } from './db/migrations.js';
import { generateDemoData } from './demo/generateDemoData.js';
import { FidelioError, InputError, UsageError } from './errors.js';
import { buildFeatures } from './features/buildFeatures.js';
import { ingestInputs, ingestOptions } from './ingest/ingestInputs.js';
import { createLogger, type Logger } from './log.js';
import { runPipeline } from './run.js';
import { listModels, promote, rollback } from './registry/registry.js';
import { parsePartition, scorePartition } from './score/scorePartition.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
  return n;
};

interface CommonOptions {
  orders?: string[];
  customers?: string[];
  tickets?: string[];
  asOf?: string;
  horizonDays?: number;
  db?: string;
  out?: string;
  models?: string;
  config?: string;
}

/** Maps the common flags onto the configuration's keys (flags override the file). */
function overrides(o: CommonOptions): ConfigInput {
  return {
    orders: o.orders?.length ? o.orders : undefined,
    customers: o.customers?.length ? o.customers : undefined,
    tickets: o.tickets?.length ? o.tickets : undefined,
    asOf: o.asOf,
    horizonDays: o.horizonDays,
    db: o.db,
    out: o.out,
    models: o.models,
  } as ConfigInput;
}

function inputOptions(cmd: Command): Command {
  return cmd
    .option('--orders <path>', 'orders file or glob (CSV, Parquet, JSON lines); repeatable', collect)
    .option('--customers <path>', 'customers file or glob; repeatable', collect)
    .option('--tickets <path>', 'support tickets file or glob; repeatable', collect)
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file (JSON or YAML); flags override it');
}

function csvLine(values: unknown[]): string {
  return values
    .map((v) => {
      if (v === null || v === undefined) return '';
      const s = String(v);
      return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    })
    .join(',');
}

/**
 * Opens the working database for a command that reads what runs left in it;
 * a missing `table` is an input error saying to run the pipeline first.
 */
async function withRunDatabase<T>(o: { db?: string; config?: string }, table: string, body: (db: Database) => Promise<T>, readOnly = true): Promise<T> {
  const config = loadConfig(o.config, { db: o.db } as ConfigInput);
  const db = await Database.open(config.db, { readOnly });
  try {
    const exists = await db.value<number>('SELECT count(*) FROM duckdb_tables() WHERE table_name = $1', [table]);
    if (!exists) throw new InputError(`${config.db} has no ${table} yet: run "fidelio run" first`);
    return await body(db);
  } finally {
    db.close();
  }
}

export function buildProgram(log: Logger, stdout: (text: string) => void): Command {
  const program = new Command('fidelio')
    .description('Churn and customer lifetime value: ingest orders, engineer features, fit and backtest models, score and publish.')
    .showHelpAfterError()
    .exitOverride();

  inputOptions(program.command('run'))
    .description('run the whole pipeline (ingest, features, train, score, publish); with no --orders, on the built-in demo data')
    .option('--as-of <date>', 'score as of this day (YYYY-MM-DD); default the last order date')
    .option('--horizon-days <n>', 'churn and value horizon in days (default 90)', integer('--horizon-days'))
    .option('--out <dir>', 'publication folder (default data/out)')
    .option('--models <dir>', 'trained models folder (default models)')
    .option('--retrain', 'train a challenger even when the champion is recent and the data has not drifted')
    .option('--wait', 'wait for a run that holds the database or the output folder instead of stopping')
    .action(async (o: CommonOptions & { retrain?: boolean; wait?: boolean }) => {
      const config = loadConfig(o.config, { ...overrides(o), ...(o.retrain ? { retrain: { always: true } } : {}) } as ConfigInput);
      const result = await runPipeline(config, log, new Date(), { wait: Boolean(o.wait) });
      log.info({ out: result.outDir, as_of: result.manifest.as_of, model_version: result.manifest.model_version }, `published to ${result.outDir}`);
      stdout(JSON.stringify({ out: result.outDir, run_id: result.manifest.run_id, as_of: result.manifest.as_of, model_version: result.manifest.model_version }) + '\n');
    });

  inputOptions(program.command('features'))
    .description('write the feature table (one row per customer known at --as-of) as CSV or Parquet, by the file extension')
    .requiredOption('--as-of <date>', 'features as of this day (YYYY-MM-DD)')
    .requiredOption('--out <file>', 'output file (.csv or .parquet)')
    .action(async (o: CommonOptions & { out: string }) => {
      const file = resolve(o.out);
      const format = file.endsWith('.parquet') ? 'parquet' : file.endsWith('.csv') ? 'csv' : undefined;
      if (!format) throw new UsageError(`--out ${o.out}: expected a .csv or .parquet file name`);
      const config = loadConfig(o.config, { ...overrides(o), out: undefined } as ConfigInput);
      if (config.orders.length === 0) throw new UsageError('features needs --orders (or orders in the config)');
      const db = await Database.open(config.db, { ...config.duckdb, timezone: config.timezone });
      try {
        await migrate(db);
        await ingestInputs(db, { orders: config.orders, customers: config.customers, tickets: config.tickets },
          ingestOptions(config, `features-${Date.now()}`, new Date()), log.child({ stage: 'ingest' }));
        const n = await buildFeatures(db, config.asOf!);
        await db.run(`COPY (SELECT * FROM customer_features ORDER BY customer_id) TO ${literal(file)} (FORMAT ${format}${format === 'csv' ? ', HEADER' : ''})`);
        log.info({ customers: n, out: file }, 'features written');
      } finally {
        db.close();
      }
    });

  program
    .command('btyd')
    .description('fit the probabilistic models (BG/NBD, Pareto/NBD, Gamma-Gamma) on a CSV of customer_id,date,amount and print one JSON object')
    .requiredOption('--transactions <file>', 'CSV with customer_id,date,amount (date as YYYY-MM-DD or YYYYMMDD)')
    .requiredOption('--calibration-end <date>', 'last day of the calibration period (inclusive)')
    .option('--holdout-end <date>', 'last day of the holdout period: adds each model\'s holdout accuracy')
    .addOption(new Option('--time-unit <unit>', 'time unit of the fit').choices(['day', 'week']).default('week'))
    .addOption(new Option('--model <model>', 'which model').choices(['bgnbd', 'pareto', 'gg', 'all']).default('all'))
    .option('--json', 'print JSON (the only format)', true)
    .action(async (o: { transactions: string; calibrationEnd: string; holdoutEnd?: string; timeUnit: 'day' | 'week'; model: 'bgnbd' | 'pareto' | 'gg' | 'all' }) => {
      const result = await runBtydCommand(o);
      stdout(JSON.stringify(result, null, 2) + '\n');
    });

  program
    .command('list')
    .argument('<what>', 'at-risk-vip, or an action: save, surprise, grow, nurture, win_back')
    .description('customers to contact from the last published scores, highest value at risk first: at-risk-vip (VIPs whose churn_risk is medium or high) or the customers of an action. Opted-out, control-group, cooldown and over-budget customers never appear.')
    .option('--top <n>', 'how many (default all)', integer('--top'))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--risk <levels>', 'at-risk-vip: churn_risk levels to include, comma separated', 'medium,high')
    .option('--tier <tiers>', 'only these value tiers, comma separated (1 = top)')
    .option('--segment <segments>', 'only these segments, comma separated')
    .option('--country <countries>', 'only these countries (from the customers input), comma separated')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file')
    .action(async (what: string, o: { top?: number; format: 'csv' | 'json'; risk: string; tier?: string; segment?: string; country?: string; out?: string; db?: string; config?: string }) => {
      const actions = ['save', 'surprise', 'grow', 'nurture', 'win_back'];
      if (what !== 'at-risk-vip' && !actions.includes(what)) throw new UsageError(`list: unknown list "${what}"; expected at-risk-vip or one of ${actions.join(', ')}`);
      const split = (v: string | undefined) => (v === undefined ? [] : v.split(',').map((x) => x.trim()).filter(Boolean));
      const levels = split(o.risk);
      const bad = levels.filter((l) => !['low', 'medium', 'high'].includes(l));
      const tiers = split(o.tier);
      if (bad.length) throw new UsageError(`--risk: unknown level(s) ${bad.join(', ')}; expected low, medium, high`);
      if (tiers.some((t) => !/^[1-5]$/.test(t))) throw new UsageError(`--tier: expected numbers 1 to 5, got "${o.tier}"`);
      const params: Record<string, string | number> = {};
      const inList = (column: string, values: string[], prefix: string) => {
        values.forEach((v, i) => (params[`${prefix}${i}`] = v));
        return `${column} IN (${values.map((_, i) => `$${prefix}${i}`).join(', ')})`;
      };
      const where = ['s.contact'];
      if (what === 'at-risk-vip') where.push('s.is_vip', inList('s.churn_risk', levels, 'risk'));
      else where.push(inList('s.action', [what], 'action'));
      if (tiers.length) where.push(inList('CAST(s.value_tier AS VARCHAR)', tiers, 'tier'));
      if (split(o.segment).length) where.push(inList('s.segment', split(o.segment), 'segment'));
      if (split(o.country).length) where.push(inList('c.country', split(o.country), 'country'));
      if (o.top) params.top = o.top;
      await withRunDatabase(o, 'customer_scores', async (db) => {
        const rows = await db.all(
          `SELECT s.* FROM customer_scores s LEFT JOIN customers c USING (customer_id) WHERE ${where.join(' AND ')}
           ORDER BY s.value_at_risk DESC, s.customer_id ${o.top ? 'LIMIT $top' : ''}`,
          params,
        );
        const columns = rows[0] ? Object.keys(rows[0]) : [];
        const text = o.format === 'json'
          ? JSON.stringify(rows, null, 2) + '\n'
          : [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\n') + '\n';
        if (o.out) writeFileSync(o.out, text);
        else stdout(text);
      });
    });

  const models = program.command('models').description("the model registry of a database: its champion and challengers");
  const registryOptions = (cmd: Command) => cmd.option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)').option('--config <file>', 'configuration file');
  registryOptions(models.command('list').description('every model trained on this database, newest first, with its backtest figures and status'))
    .action((o: { db?: string; config?: string }) => withRunDatabase(o, 'model_registry', async (db) => stdout(JSON.stringify(await listModels(db), null, 2) + '\n')));
  registryOptions(models.command('show').argument('<version>', 'a model version (fidelio-...)').description("a model's registry record, metadata and backtest"))
    .action((version: string, o: { db?: string; config?: string }) => withRunDatabase(o, 'model_registry', async (db) => {
      const row = (await listModels(db)).find((r) => r.model_version === version);
      if (!row) throw new UsageError(`no model ${version} in this database's registry; see "fidelio models list"`);
      const read = (f: string) => (existsSync(join(row.path, f)) ? JSON.parse(readFileSync(join(row.path, f), 'utf8')) : null);
      stdout(JSON.stringify({ ...row, meta: read('meta.json'), metrics: read('metrics.json') }, null, 2) + '\n');
    }));
  registryOptions(models.command('promote').argument('<version>', 'a model version (fidelio-...)').description('make a model the champion that scores the next runs'))
    .action((version: string, o: { db?: string; config?: string }) => withRunDatabase(o, 'model_registry', async (db) => {
      await promote(db, version);
      log.info({ champion: version }, 'promoted');
      stdout(JSON.stringify({ champion: version }) + '\n');
    }, false));
  registryOptions(models.command('rollback').description('give the champion\'s place back to the model that held it before'))
    .action((o: { db?: string; config?: string }) => withRunDatabase(o, 'model_registry', async (db) => {
      const version = await rollback(db);
      log.info({ champion: version }, 'rolled back');
      stdout(JSON.stringify({ champion: version }) + '\n');
    }, false));

  program
    .command('demo-data')
    .description('write the seeded demo data set (orders, customers, tickets CSV) into a folder')
    .requiredOption('--out <dir>', 'folder to write into')
    .option('--customers <n>', 'number of customers (default 5000)', integer('--customers'))
    .option('--months <n>', 'months of history (default 30)', integer('--months'))
    .option('--seed <n>', 'random seed (default 42)', integer('--seed'))
    .option('--bad-rows', 'append a few malformed order lines')
    .action((o: { out: string; customers?: number; months?: number; seed?: number; badRows?: boolean }) => {
      const config = loadConfig(undefined, { demo: { customers: o.customers, months: o.months, seed: o.seed } } as ConfigInput);
      const files = generateDemoData(o.out, { ...config.demo, withBadRows: Boolean(o.badRows) });
      stdout(JSON.stringify(files, null, 2) + '\n');
    });

  program
    .command('score-partition')
    .description("score one share of the customers with the champion (hash(customer_id) % N = k), for workers running in parallel; writes the models' figures to a Parquet file")
    .requiredOption('--part <k/N>', 'the share to score, such as 0/4')
    .requiredOption('--out <file>', 'the Parquet file to write')
    .option('--db <file>', 'DuckDB database file of a completed run (read only; default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file (JSON or YAML)')
    .action(async (o: { part: string; out: string; db?: string; config?: string }) => {
      const part = parsePartition(o.part);
      const config = loadConfig(o.config, { db: o.db } as ConfigInput);
      const result = await scorePartition(config, part, o.out, log);
      stdout(JSON.stringify({ part: o.part, out: o.out, ...result }) + '\n');
    });

  program
    .command('runs')
    .description('list the runs recorded in the database, newest first')
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .action(async (o: { db?: string }) => {
      await withRunDatabase(o, 'runs', async (db) => {
        const rows = await db.all(`SELECT run_id, started_at, finished_at, CAST(as_of AS VARCHAR) AS as_of, outcome, error FROM runs ORDER BY started_at DESC`);
        stdout(JSON.stringify(rows, null, 2) + '\n');
      });
    });

  return program;
}

/** Parses and runs one command line; returns the process exit code. */
export async function main(argv: string[], log: Logger = createLogger(), stdout = (t: string) => void process.stdout.write(t)): Promise<number> {
  const program = buildProgram(log, stdout);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof FidelioError) {
      log.error({ code: err.code }, err.message);
      return err.exitCode;
    }
    log.error({ err }, `fidelio failed: ${(err as Error).message}`);
    return 1;
  }
}

