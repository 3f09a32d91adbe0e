import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import type { Logger } from '../log.js';
import { runPipeline } from '../run.js';
import { inputOptions, integer, overrides, type CommonOptions, type Stdout } from './options.js';

/** `fidelio run`: the whole pipeline; prints where it published. */
export function runCommand(program: Command, log: Logger, stdout: Stdout): void {
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
}
