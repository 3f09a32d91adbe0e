import type { Config } from './config.js';
import type { Database } from './db/Database.js';
import type { Logger } from './log.js';
import type { Step } from './measure.js';
import type { RunManifest } from './manifest.js';

/** What the runner gives every stage besides its parameters. */
export interface StageContext {
  db: Database;
  /** The stage's logger (a child of the run's, with `stage` set). */
  log: Logger;
  /** Times one of the stage's main steps (recorded in the manifest). */
  step: Step;
  runId: string;
  /** The moment the run started: data stamped after it is a clock or export error. */
  runTime: Date;
  /** The run's manifest so far (the publish stage writes it into the release). */
  manifest(): RunManifest;
}

/**
 * One stage of the pipeline, as the runner executes it: its name, the
 * tables it reads and writes (checked against what it does by
 * tests/stages.test.ts), what it uses outside the database, the slice of
 * configuration it needs and its body. `In` is what it needs of the
 * earlier stages' results, `Out` what it adds to them.
 */
export interface Stage<P, In, Out> {
  name: string;
  reads: readonly string[];
  writes: readonly string[];
  /** Files and folders it reads or writes, in words. */
  outside?: string;
  params(config: Config): P;
  run(ctx: StageContext, params: P, input: In): Promise<Out>;
  /** Rows in and out, for the stage's record in the manifest. */
  rows?(ctx: StageContext, out: Out): Promise<{ rows_in?: number; rows_out?: number }>;
}
