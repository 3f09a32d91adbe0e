import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { UsageError } from '../errors.js';
import { probePostgres } from '../db/postgres.js';
import type { Logger } from '../log.js';
import { runPipeline } from '../runner/run.js';
import { inputOptions, integer, overrides, type CommonOptions, type Stdout } from './options.js';

/** --max-minutes: a positive number of minutes (fractions allowed). */
const minutes = (value: string) => {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`--max-minutes must be a positive number of minutes, got "${value}"`);
  return n;
};

/** `fidelio run`: the whole pipeline; prints where it published. */
export function runCommand(program: Command, log: Logger, stdout: Stdout): void {
  inputOptions(program.command('run'))
    .description('run the whole pipeline (ingest, features, train, score, publish); with no --orders, on the built-in demo data')
    .option('--as-of <date>', 'score as of this day (YYYY-MM-DD); default the last order date')
    .option('--horizon-days <n>', 'churn and value horizon in days (default 90)', integer('--horizon-days'))
    .option('--out <dir>', 'publication folder (default data/out)')
    .option('--models <dir>', 'trained models folder (default models)')
    .option('--retrain', 'train a challenger even when the champion is recent and the data has not drifted')
    .option('--reingest', 'read every input file again, even one whose bytes an earlier run loaded under the same settings (ingest.skipLoaded: false)')
    .option('--wait', 'wait for a run that holds the database or the output folder instead of stopping')
    .option('--postgres <url>', 'publish the tables into this PostgreSQL database too (postgres://user@host:5432/db; prefer FIDELIO_POSTGRES_URL or PGPASSWORD for the password)')
    .option('--max-minutes <n>', 'stop the run past this many minutes (default 240: run.maxMinutes), releasing its locks and keeping the publication', minutes)
    .action(async (o: CommonOptions & { retrain?: boolean; reingest?: boolean; wait?: boolean; maxMinutes?: number; postgres?: string }) => {
      const postgres = o.postgres ?? process.env.FIDELIO_POSTGRES_URL;
      const config = loadConfig(o.config, {
        ...overrides(o), ...(postgres ? { publish: { postgres: { url: postgres } } } : {}), ...(o.retrain ? { retrain: { always: true } } : {}), ...(o.reingest ? { ingest: { skipLoaded: false } } : {}), ...(o.maxMinutes !== undefined ? { run: { maxMinutes: o.maxMinutes } } : {}),
      } as ConfigInput);
      const now = new Date();
      // A day that has not happened has no history to score: refused before anything is read.
      if (config.asOf !== undefined && config.asOf > now.toISOString().slice(0, 10)) {
        throw new UsageError(`--as-of ${config.asOf} is after today (${now.toISOString().slice(0, 10)}, UTC): scores are as of a day whose orders exist; leave it out for the last order date`);
      }
      // A database that cannot be reached or refuses the login stops the run before anything is read, not after an hour of work.
      if (config.publish.postgres.url) await probePostgres(config.publish.postgres.url, o.postgres ? '--postgres' : process.env.FIDELIO_POSTGRES_URL ? 'FIDELIO_POSTGRES_URL' : 'publish.postgres.url');
      const result = await runPipeline(config, log, now, { wait: Boolean(o.wait) });
      log.info({ out: result.outDir, as_of: result.manifest.as_of, model_version: result.manifest.model_version }, `published to ${result.outDir}`);
      stdout(JSON.stringify({ out: result.outDir, run_id: result.manifest.run_id, as_of: result.manifest.as_of, model_version: result.manifest.model_version }) + '\n');
    });
}
