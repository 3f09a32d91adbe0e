import type { FeaturesOutput } from './features/featuresStage.js';
import { featuresStage } from './features/featuresStage.js';
import type { IngestOutput } from './ingest/ingestStage.js';
import { ingestStage } from './ingest/ingestStage.js';
import type { PublishOutput } from './publish/publishStage.js';
import { publishStage } from './publish/publishStage.js';
import { scoreStage, type ScoreOutput } from './score/scoreStage.js';
import type { Stage } from './stage.js';
import type { TrainOutput } from './train/trainStage.js';
import { trainStage } from './train/trainStage.js';

/** What the stages hand each other, gathered as the run goes: each stage adds its output. */
export type RunState = IngestOutput & FeaturesOutput & TrainOutput & ScoreOutput & PublishOutput;

/** A stage of the table: stages of different parameter and result types, each reading what earlier ones added. */
export type AnyStage = Stage<unknown, Partial<RunState>, Partial<RunState>>;

/**
 * The pipeline: its stages in the order data flows. The runner executes
 * this table and nothing else decides the order; each stage declares the
 * tables it reads and writes (tests/stages.test.ts checks them on a demo
 * run), the slice of configuration it takes and its body.
 */
export const STAGES: readonly AnyStage[] = [
  ingestStage,
  featuresStage,
  trainStage,
  scoreStage,
  publishStage,
] as unknown as readonly AnyStage[];
