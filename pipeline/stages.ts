import { featuresStage } from './features/featuresStage.js';
import { ingestStage } from './ingest/ingestStage.js';
import { publishStage } from './publish/publishStage.js';
import { scoreStage } from './score/scoreStage.js';
import { pipelineOf, type Pipeline, type StageDeclaration } from './stage.js';
import { trainStage } from './train/trainStage.js';

/**
 * The pipeline: its stages in the order data flows, each given what the
 * earlier ones made (checked by the compiler: see Pipeline.then). The
 * runner executes this list and nothing else decides the order; each
 * stage declares the tables it reads and writes (tests/e2e/stageTables.test.ts
 * checks them on a demo run), the slice of configuration it takes, its
 * body and its part of the manifest.
 */
export const PIPELINE = pipelineOf(ingestStage)
  .then(featuresStage)
  .then(trainStage)
  .then(scoreStage)
  .then(publishStage);

/** The stages in order, as declared. */
export const STAGES: readonly StageDeclaration[] = PIPELINE.stages;

/** What the stages hand each other, gathered as the run goes: each stage adds its output. */
export type RunState = typeof PIPELINE extends Pipeline<infer Made> ? Made : never;
