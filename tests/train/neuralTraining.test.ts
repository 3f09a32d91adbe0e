import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildBtydFeatures } from '../../pipeline/features/btydFeatures.js';
import { buildSnapshots, planSnapshots } from '../../pipeline/features/snapshots.js';
import { SampleTables } from '../../pipeline/features/trainingSample.js';
import { scoreNeural } from '../../pipeline/learn/neuralModels.js';
import { initBackend } from '../../pipeline/learn/tfBackend.js';
import { TrainPool } from '../../pipeline/learn/trainPool.js';
import { silentLogger } from '../../pipeline/log.js';
import { auc } from '../../pipeline/shared/metrics.js';
import { SNAPSHOTS_WITH_BTYD, featureBatches, readFeatureColumns, withBtydFeatures } from '../../pipeline/train/featureColumns.js';
import { besideNetworks, scoreNeuralInOrder, trainNeuralModels } from '../../pipeline/train/neuralTraining.js';
import { demoBase, type DemoBase } from '../helpers/demoBase.js';

const AS_OF = '2026-09-30';
const PLAN = planSnapshots({ asOf: AS_OF, horizonDays: 90, count: 3, spacingDays: 60 }, '2024-01-01');
let base: DemoBase;
beforeAll(async () => {
  await initBackend(silentLogger);
  base = await demoBase(1500, 11);
  await buildSnapshots(base.db, PLAN, 90);
  await buildBtydFeatures(base.db, new SampleTables(base.db), { sample: [], everyone: [AS_OF] }, 90);
  await buildBtydFeatures(base.db, new SampleTables(base.db), { sample: PLAN.trainCutoffs, everyone: [PLAN.holdoutCutoff] }, 90, undefined, 7, true, 'training_btyd_features');
});
afterAll(() => base.close());

test('the networks learn churn better than chance, and score every customer alike in any batch size', async () => {
  const { db } = base;
  const models = await trainNeuralModels(db, PLAN.trainCutoffs.slice(1), PLAN.trainCutoffs[0]!, 5, silentLogger, { churn: [[8]], value: [[8]] }, 5000);
  expect(models.window).toMatchObject({ fitCutoffs: PLAN.trainCutoffs.slice(1), validationCutoff: PLAN.trainCutoffs[0] });
  expect(models.churn.hidden).toEqual([8]);
  expect(Number.isFinite(models.churn.validationLoss)).toBe(true);
  const source = withBtydFeatures('customer_features');
  const whole = await readFeatureColumns(db, source);
  const once = scoreNeural(models, whole.data, whole.n);
  expect(once.churn.every((p) => p > 0 && p < 1)).toBe(true);
  expect(once.value.every((v) => v >= 0)).toBe(true);
  const byId = new Map((whole.data.customer_id as string[]).map((id, i) => [id, [once.churn[i], once.value[i]]]));

  let seen = 0;
  for await (const batch of featureBatches(db, source, 'true', 700)) {
    const scored = scoreNeural(models, batch.columns, batch.n);
    (batch.columns.customer_id as string[]).forEach((id, i) => {
      expect([scored.churn[i], scored.value[i]]).toEqual(byId.get(id));
      seen++;
    });
  }
  expect(seen).toBe(whole.n);
  const ordered = await scoreNeuralInOrder(db, models, source, 'true');
  expect(Array.from(ordered.churn)).toEqual(Array.from(once.churn));
  // The holdout: the churn network ranks churners above non-churners far better than chance.
  const holdout = await scoreNeuralInOrder(db, models, SNAPSHOTS_WITH_BTYD, `split = 'holdout'`);
  const labels = await db.columns(`SELECT CAST(churned AS DOUBLE) AS churned FROM training_snapshots WHERE split = 'holdout' ORDER BY customer_id`);
  expect(auc(holdout.churn, labels.churned as Float64Array)).toBeGreaterThan(0.75);
  models.churn.model.dispose();
  models.value.model.dispose();
});

test('too few snapshot rows to train on is an error that says so', async () => {
  await expect(trainNeuralModels(base.db, ['1999-01-01'], PLAN.trainCutoffs[0]!, 5, silentLogger)).rejects.toThrow(/too few snapshot rows/);
});

const weightsOf = (m: { getWeights: () => { dataSync: () => ArrayLike<number> }[] }) => m.getWeights().map((w) => Array.from(w.dataSync()));

test('besideNetworks runs its work on the core the first trained network frees, and the networks are the same with it or without', async () => {
  const { db } = base;
  // The churn network trains for one epoch, the value network for forty: the churn network is trained first.
  const architectures = { churn: [[8]], value: [[32, 16]], epochs: { churn: 1, value: 40 } };
  let trainedAt = Infinity;
  let startedAt = -Infinity;
  let firedAt = Infinity;
  const train = (threads: number) => (oneTrained: () => void) =>
    trainNeuralModels(db, PLAN.trainCutoffs.slice(1), PLAN.trainCutoffs[0]!, 5, silentLogger, architectures, 5000, 1000, { threads, oneTrained: () => {
      firedAt = performance.now();
      oneTrained();
    } }).finally(() => (trainedAt = performance.now()));
  const work = async () => {
    startedAt = performance.now();
    return db.value<number>('SELECT count(*) FROM customer_features');
  };
  // On threads of their own (the compiled worker, wasm): the work starts once the churn network is trained, while the
  // value network still trains. (Native TensorFlow trains them here, one after the other: then the work waits.)
  const threaded = new TrainPool(2).parallel;
  const side = await besideNetworks(train(2), work);
  expect(side.result).toBe(await db.value<number>('SELECT count(*) FROM customer_features'));
  expect(side.networks?.status).toBe('fulfilled');
  if (threaded) {
    expect(firedAt).toBeLessThanOrEqual(startedAt);
    expect(startedAt).toBeLessThan(trainedAt);
  } else expect(startedAt).toBeGreaterThanOrEqual(trainedAt);
  // Here, one network after the other: the work waits until both are trained, and nothing says one is.
  trainedAt = Infinity;
  firedAt = Infinity;
  const alone = await besideNetworks(train(1), work);
  expect(startedAt).toBeGreaterThanOrEqual(trainedAt);
  expect(firedAt).toBe(Infinity);
  const [a, b] = [side.networks, alone.networks].map((n) => (n as PromiseFulfilledResult<Awaited<ReturnType<typeof trainNeuralModels>>>).value);
  expect(weightsOf(a!.churn.model)).toEqual(weightsOf(b!.churn.model));
  expect(weightsOf(a!.value.model)).toEqual(weightsOf(b!.value.model));
  for (const m of [a!, b!]) {
    m.churn.model.dispose();
    m.value.model.dispose();
  }
  // Without a training the work runs at once.
  expect(await besideNetworks(undefined, work)).toEqual({ result: side.result });
});

test('besideNetworks: a failed training is returned beside the work\'s result; a failed work is thrown once the training has ended', async () => {
  const failing = () => Promise.reject(new Error('no network'));
  const out = await besideNetworks(failing, async () => 7);
  expect(out.result).toBe(7);
  expect(out.networks).toMatchObject({ status: 'rejected', reason: new Error('no network') });
  let ended = false;
  const slow = (oneTrained: () => void) => new Promise<number>((resolve) => {
    oneTrained();
    setTimeout(() => {
      ended = true;
      resolve(1);
    }, 50);
  });
  const discarded: number[] = [];
  await expect(besideNetworks(slow, async () => {
    throw new Error('work failed');
  }, (n) => discarded.push(n))).rejects.toThrow('work failed');
  expect(ended).toBe(true);
  // the networks the failed work leaves unused are discarded
  expect(discarded).toEqual([1]);
});
