import type { Config } from './config.js';
import type { Database } from './db/Database.js';
import type { Logger } from './log.js';
import type { Step } from './measure.js';
import type { RunManifest } from './manifest.js';

/**
 * The run's publication as a stage uses it (runner/publication.ts): the
 * folder a release is staged in and the switch that publishes it at once.
 * The runner owns it (it checks --out, removes a killed run's leftovers
 * and keeps its lock beside the releases); the publish stage fills it.
 */
export interface ReleaseFolder {
  /** --out, resolved: the link to the published release. */
  readonly out: string;
  /** The folder the releases are kept in, beside --out. */
  readonly releases: string;
  /** The folder a run writes its release into. */
  staging(runId: string): string;
  /** Publishes the staged release at once; returns its folder. */
  commit(runId: string): string;
  /** The run id of the release published now (a folder in `releases`), if any. */
  current(): string | undefined;
}

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
  /** The run's publication (--out). */
  publication: ReleaseFolder;
}

/** A stage's part of the run manifest. */
export type ManifestPart = Partial<RunManifest>;

/**
 * What a stage declares whatever its types: its name, the tables it reads
 * and writes (checked against what it does by tests/e2e/stageTables.test.ts),
 * what it uses outside the database and the slice of configuration it takes.
 */
export interface StageDeclaration {
  name: string;
  reads: readonly string[];
  writes: readonly string[];
  /** Files and folders it reads or writes, in words. */
  outside?: string;
  params(config: Config): unknown;
  /** What the manifest says when this stage fails (the runner ignores a failure to say it). */
  manifestIfFailed?(ctx: Pick<StageContext, 'db' | 'runId'>): Promise<ManifestPart>;
}

/**
 * One stage of the pipeline, as the runner executes it: its declaration,
 * its body and what it reports. `In` is what it needs of the earlier
 * stages' results, `Out` what it adds to them. `run` is a property, not a
 * method, so that its input is checked strictly: a stage needing more than
 * the earlier stages made is not a `Stage` of what they made.
 */
export interface Stage<P, In, Out> extends StageDeclaration {
  params(config: Config): P;
  run: (ctx: StageContext, params: P, input: In) => Promise<Out>;
  /** Rows in and out, for the stage's record in the manifest. */
  rows?(ctx: StageContext, out: Out): Promise<{ rows_in?: number; rows_out?: number }>;
  /** The stage's own part of the run manifest, from what it produced. */
  manifest(out: Out): ManifestPart;
}

/** Runs one stage on its input: what the runner (or a test) does around a stage's body. */
export type StageRunner = <P, In, Out>(stage: Stage<P, In, Out>, input: In) => Promise<Out>;

/**
 * Stages wired in the order data flows, each given what the earlier ones
 * made: `then` takes a stage only if what the stages before it made
 * (`Made`) holds all its input needs, so listing a stage before the one
 * that makes its input does not compile. Adding a stage is writing it and
 * adding it to the list (stages.ts).
 */
export class Pipeline<Made extends object> {
  private constructor(
    /** The stages in order, as declared: what the runner lists and the tests check. */
    readonly stages: readonly StageDeclaration[],
    /** Runs the stages up to and including the one named `last` (all by default); undefined once stopped. */
    private readonly through: (runStage: StageRunner, last: string | undefined) => Promise<Made | undefined>,
  ) {}

  /** No stage yet: nothing made. */
  static readonly empty: Pipeline<{}> = new Pipeline<{}>([], async () => ({}));

  /** This pipeline followed by `stage`, which is given what the stages before it made. */
  then<P, Out extends object>(stage: Stage<P, Made, Out>): Pipeline<Made & Out> {
    return new Pipeline<Made & Out>([...this.stages, stage], async (runStage, last) => {
      const made = await this.through(runStage, last);
      if (made === undefined || this.stages.some((s) => s.name === last)) return undefined;
      return { ...made, ...(await runStage(stage, made)) };
    });
  }

  /** Runs the stages in order, each through `runStage`, up to and including the one named `last` (all by default). */
  async run(runStage: StageRunner, last?: string): Promise<void> {
    await this.through(runStage, last);
  }
}

/** A pipeline of `first`, to be followed by the later stages (`.then`). */
export function pipelineOf<P, Out extends object>(first: Stage<P, {}, Out>): Pipeline<Out> {
  return Pipeline.empty.then(first);
}
