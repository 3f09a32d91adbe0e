import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { btydCommand } from './cli/btydCommand.js';
import { contactsCommand } from './cli/contactsCommand.js';
import { demoDataCommand } from './cli/demoDataCommand.js';
import { featuresCommand } from './cli/featuresCommand.js';
import { inspectCommand } from './cli/inspectCommand.js';
import { listCommand } from './cli/listCommand.js';
import { modelsCommand } from './cli/modelsCommand.js';
import { rejectedCommand } from './cli/rejectedCommand.js';
import type { Stdout } from './cli/options.js';
import { runCommand } from './cli/runCommand.js';
import { runsCommand } from './cli/runsCommand.js';
import { scorePartitionCommand } from './cli/scorePartitionCommand.js';
import { serveCommand } from './cli/serveCommand.js';
import { FidelioError, storageError } from './errors.js';
import { createLogger, type Logger } from './log.js';
import { packageRoot } from './db/sqlFile.js';

/** The package's version (package.json). */
export const VERSION = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The fidelio program: one command per file under cli/. */
export function buildProgram(log: Logger, stdout: Stdout): Command {
  const program = new Command('fidelio')
    .description('Churn and customer lifetime value: ingest orders, engineer features, fit and backtest models, score and publish.')
    .version(VERSION, '-V, --version', "print fidelio's version")
    .configureOutput({ writeOut: (text) => stdout(text) })
    .showHelpAfterError()
    .exitOverride();
  runCommand(program, log, stdout);
  inspectCommand(program, log, stdout);
  featuresCommand(program, log);
  btydCommand(program, stdout);
  listCommand(program, stdout);
  modelsCommand(program, log, stdout);
  demoDataCommand(program, stdout);
  scorePartitionCommand(program, log, stdout);
  runsCommand(program, stdout);
  rejectedCommand(program, stdout);
  serveCommand(program, log);
  contactsCommand(program, stdout);
  return program;
}

/** Parses and runs one command line; returns the process exit code. */
export async function main(argv: string[], log: Logger = createLogger(), stdout: Stdout = (t) => void process.stdout.write(t)): Promise<number> {
  const program = buildProgram(log, stdout);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
    }
    const known = err instanceof FidelioError ? err : storageError(err);
    if (known) {
      log.error({ code: known.code }, known.message);
      // Where it was raised and what caused it, for whoever debugs (FIDELIO_LOG_LEVEL=debug); the message above is for the user.
      log.debug({ err: known }, `${known.code}: where it was raised`);
      return known.exitCode;
    }
    log.error({ err }, `fidelio failed: ${(err as Error).message}`);
    return 1;
  }
}
