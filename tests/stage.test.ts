import { expect, test } from 'vitest';
import type { Config } from '../pipeline/config.js';
import { Pipeline, pipelineOf, type Stage, type StageRunner } from '../pipeline/stage.js';
import { featuresStage } from '../pipeline/features/featuresStage.js';
import { ingestStage } from '../pipeline/ingest/ingestStage.js';
import { publishStage } from '../pipeline/publish/publishStage.js';
import { scoreStage } from '../pipeline/score/scoreStage.js';
import { trainStage } from '../pipeline/train/trainStage.js';

/** A stage of a made-up pipeline that makes `key` from what it is given. */
function stage<In, Out>(name: string, make: (input: In) => Out): Stage<null, In, Out> {
  return { name, reads: [], writes: [], params: () => null, run: async (_ctx, _p, input) => make(input), manifest: () => ({}) };
}
const orders = stage('orders', (): { orders: number[] } => ({ orders: [3, 5, 9] }));
const total = stage('total', ({ orders: o }: { orders: number[] }) => ({ total: o.reduce((s, v) => s + v, 0) }));
const share = stage('share', ({ orders: o, total: t }: { orders: number[]; total: number }) => ({ largest: Math.max(...o) / t }));

/** Runs each stage's body on its input, recording the order and what each was given. */
function recorder(seen: [string, unknown][]): StageRunner {
  return async (s, input) => {
    seen.push([s.name, { ...input }]);
    return s.run(undefined as never, s.params({} as Config), input);
  };
}

test("the pipeline runs its stages in order, each given what the earlier ones made", async () => {
  const seen: [string, unknown][] = [];
  const wired = pipelineOf(orders).then(total).then(share);
  expect(wired.stages.map((s) => s.name)).toEqual(['orders', 'total', 'share']);
  await wired.run(recorder(seen));
  expect(seen).toEqual([['orders', {}], ['total', { orders: [3, 5, 9] }], ['share', { orders: [3, 5, 9], total: 17 }]]);
  // Up to a named stage: the later ones do not run.
  const partial: [string, unknown][] = [];
  await wired.run(recorder(partial), 'total');
  expect(partial.map(([name]) => name)).toEqual(['orders', 'total']);
  // The empty pipeline runs nothing.
  const none: [string, unknown][] = [];
  await Pipeline.empty.run(recorder(none));
  expect(none).toEqual([]);
});

test('a stage listed before the one that makes its input does not compile (npm run typecheck checks these)', () => {
  // @ts-expect-error -- total needs the orders, which nothing before it made
  pipelineOf(total);
  // @ts-expect-error -- share needs the total as well as the orders
  pipelineOf(orders).then(share);
  // The real stages: training needs the features, scoring the trained models, publishing the scores.
  // @ts-expect-error -- train before features
  pipelineOf(ingestStage).then(trainStage);
  // @ts-expect-error -- score before train
  pipelineOf(ingestStage).then(featuresStage).then(scoreStage);
  // @ts-expect-error -- publish before score
  pipelineOf(ingestStage).then(featuresStage).then(trainStage).then(publishStage);
  // In order, they compile.
  expect(pipelineOf(ingestStage).then(featuresStage).then(trainStage).then(scoreStage).then(publishStage).stages.map((s) => s.name))
    .toEqual(['ingest', 'features', 'train', 'score', 'publish']);
});
