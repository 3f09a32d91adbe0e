import type { Logger } from '../log.js';
import { choose } from './architectureSearch.js';
import { applyPlatt, fitPlatt, type PlattScaling } from './calibration.js';
import { predict, type Matrix } from './network.js';
import { fitPreprocessor, transform, type FeatureColumns, type PreprocessorState } from './preprocess.js';
import { tf } from './tfBackend.js';
import { TrainPool, toWire, type WireTensor } from './trainPool.js';
import { zilnBounds, zilnPredict, type ZilnBounds } from './ziln.js';

/** Architectures tried for each model; validation loss decides. */
export const CHURN_ARCHITECTURES = [[16], [32, 16], [64, 32]];
export const VALUE_ARCHITECTURES = [[32, 16], [64, 32]];

/**
 * The architectures each model tries (validation loss decides) and, for a
 * retrain keeping the champion's, the epochs each trains for instead of
 * stopping early (its champion's count to the best epoch).
 */
export interface Architectures {
  churn: number[][];
  value: number[][];
  epochs?: { churn?: number; value?: number };
}

export interface NeuralModels {
  preprocessor: PreprocessorState;
  /** epochs: run; bestEpochs: to the best epoch, whose weights are kept (absent from models trained before it was recorded). */
  churn: { model: tf.LayersModel; hidden: number[]; platt: PlattScaling; validationLoss: number; epochs: number; bestEpochs?: number; candidates: { hidden: number[]; validationLoss: number }[] };
  /** bounds: the ranges that keep its predictions within what it learnt (absent from models trained before them). */
  value: { model: tf.LayersModel; hidden: number[]; validationLoss: number; epochs: number; bestEpochs?: number; candidates: { hidden: number[]; validationLoss: number }[]; bounds?: ZilnBounds };
  window: { fitCutoffs: string[]; validationCutoff: string; fitRows: number; validationRows: number };
}

/** Frees both networks' models. */
export function disposeNetworks(models: Pick<NeuralModels, 'churn' | 'value'>): void {
  models.churn.model.dispose();
  models.value.model.dispose();
}

const sameHidden = (a: number[], b: number[]) => a.length === b.length && a.every((u, i) => u === b[i]);
const column = (values: Float64Array): Matrix => ({ data: Float32Array.from(values), rows: values.length, cols: 1 });
/** The ZILN target: spend in the first of three columns, shaped like the network's outputs. */
const zilnTarget = (values: Float64Array): Matrix => {
  const data = new Float32Array(values.length * 3);
  values.forEach((v, i) => (data[i * 3] = v));
  return { data, rows: values.length, cols: 3 };
};

/** The weights a network starts from (another network's, copied: it may be disposed meanwhile), and its architecture. */
export interface StartWeights {
  hidden: number[];
  weights: WireTensor[];
}

/** Both networks' starting weights: a copy of `models`' (the backtest's, for the refit), taken now. */
export function startWeights(models: Pick<NeuralModels, 'churn' | 'value'>): { churn: StartWeights; value: StartWeights } {
  return {
    churn: { hidden: models.churn.hidden, weights: models.churn.model.getWeights().map(toWire) },
    value: { hidden: models.value.hidden, weights: models.value.model.getWeights().map(toWire) },
  };
}

/** The architectures `models` have, each network's as the only one to try (the refit keeps the backtest's choice). */
export function chosenArchitectures(models: Pick<NeuralModels, 'churn' | 'value'>): Architectures {
  return { churn: [models.churn.hidden], value: [models.value.hidden] };
}

/** How the two networks are trained, beside what they learn: where they start, on how many threads, what is told when, and when to stop. */
export interface NetworkRun {
  /** Networks to start from (the backtest's, for the refit): each of the same architecture starts from its weights. */
  start?: { churn: StartWeights; value: StartWeights };
  /** Networks trained at once, each on a thread of its own (TrainPool); 1 (the default) trains them here, one after another. */
  threads?: number;
  /**
   * Called once when the first of the two networks is trained, the pool's threads training them side by side (a
   * core is free for other work from then on while the other trains). Never called when they train here, one
   * after another (one thread, no compiled worker, native TensorFlow).
   */
  oneTrained?: () => void;
  /** Stops the training (its threads; TrainPool): the networks' training then fails with TrainingStopped. */
  signal?: AbortSignal;
}

/** Whether fitNetworks with `threads` trains the networks on threads of their own, beside the main thread. */
export const trainsOnThreads = (threads: number): boolean => TrainPool.onThreads(threads);

/** Rows of model inputs with their labels (churned, future_spend), as columns. */
export interface LabelledRows {
  data: FeatureColumns;
  n: number;
}

/**
 * Trains the churn classifier (an MLP with a sigmoid output, binary
 * cross-entropy, Platt-calibrated) and the value model (an MLP with the
 * zero-inflated lognormal head) on the rows `fit`, with early stopping and
 * calibration on the later rows `val`. Each tries the architectures above
 * and keeps the one with the lowest validation loss. The window they come
 * from is the caller's (train/neuralTraining.ts reads them from the
 * training snapshots).
 */
export async function fitNetworks(
  fit: LabelledRows,
  val: LabelledRows,
  seed: number,
  log: Logger,
  /** Architectures to try; by default the lists above (the scoring models reuse the backtest's choice); with epochs, trained that long. */
  architectures: Architectures = { churn: CHURN_ARCHITECTURES, value: VALUE_ARCHITECTURES },
  /** Fewer fitting rows than this and the networks are not trained (an error the caller notes). */
  minRows = 1000,
  { start, threads = 1, oneTrained, signal }: NetworkRun = {},
): Promise<Omit<NeuralModels, 'window'>> {
  if (fit.n < Math.max(50, minRows) || val.n < 20) {
    throw new Error(`too few snapshot rows to train on (${fit.n.toLocaleString('en-US')} to fit, ${val.n.toLocaleString('en-US')} to validate; training.minNetworkRows is ${minRows.toLocaleString('en-US')}): the networks are left out`);
  }
  const preprocessor = fitPreprocessor(fit.data);
  const x: Matrix = { data: transform(preprocessor, fit.data, fit.n), rows: fit.n, cols: preprocessor.columns.length };
  const xVal: Matrix = { data: transform(preprocessor, val.data, val.n), rows: val.n, cols: preprocessor.columns.length };

  const yChurn = column(fit.data.churned as Float64Array);
  const yChurnVal = column(val.data.churned as Float64Array);
  // The churn and the value networks (and each one's candidates) train side by side on the pool's threads.
  const pool = new TrainPool(threads, undefined, undefined, signal);
  let churn: Awaited<ReturnType<typeof choose>>;
  let value: Awaited<ReturnType<typeof choose>>;
  try {
    const training = [
      choose(architectures.churn, 'churn', log, x, yChurn, xVal, yChurnVal, (hidden, i) => ({
        hidden, outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: seed + 10 * i,
        ...(architectures.epochs?.churn ? { epochs: architectures.epochs.churn } : {}),
        ...(start && sameHidden(start.churn.hidden, hidden) ? { initialWeights: start.churn.weights } : {}),
      }), pool),
      choose(architectures.value, 'value', log, x, zilnTarget(fit.data.future_spend as Float64Array), xVal, zilnTarget(val.data.future_spend as Float64Array), (hidden, i) => ({
        hidden, outputs: 3, activation: 'linear', loss: 'ziln', seed: seed + 1000 + 10 * i,
        ...(architectures.epochs?.value ? { epochs: architectures.epochs.value } : {}),
        ...(start && sameHidden(start.value.hidden, hidden) ? { initialWeights: start.value.weights } : {}),
      }), pool),
    ] as const;
    // A failed network is thrown below; the callback's own failure is the caller's to see, not an unhandled rejection.
    if (oneTrained && pool.parallel) Promise.race(training).then(oneTrained).catch(() => undefined);
    // Both settled before anything is thrown: a network trained while the other failed (or was stopped) is disposed, not left behind.
    const settled = await Promise.allSettled(training);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      for (const r of settled) if (r.status === 'fulfilled') r.value.best.model.dispose();
      throw failed.reason;
    }
    [churn, value] = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof choose>>>).value) as [typeof churn, typeof value];
  } finally {
    await pool.close();
    if (pool.failures.length) log.warn({ failures: pool.failures.length, first: pool.failures[0]!.split('\n')[0] }, `${pool.failures.length} network(s) could not train on a thread of their own and trained in the main thread instead (the same weights, more slowly)`);
  }
  const rawVal = Float64Array.from(predict(churn.best.model, xVal));
  const platt = fitPlatt(rawVal, val.data.churned as Float64Array);
  const bounds = zilnBounds(predict(value.best.model, x), (fit.data.future_spend as Float64Array).reduce((m, v) => Math.max(m, v), 0));
  // The level, calibrated like the churn probability: the validation cutoff's spend over the network's
  // prediction for it (the same season a year before when the plan has it), within [1/10, 10].
  const predictedTotal = zilnPredict(predict(value.best.model, xVal), bounds).mean.reduce((a, v) => a + v, 0);
  const actualTotal = (val.data.future_spend as Float64Array).reduce((a, v) => a + v, 0);
  const rawScale = predictedTotal > 0 && actualTotal > 0 ? actualTotal / predictedTotal : 1;
  bounds.levelScale = Math.min(10, Math.max(0.1, rawScale));
  if (bounds.levelScale !== rawScale) log.warn({ scale: rawScale }, 'the value network\'s level on the validation cutoff is off by more than 10x: the correction is capped');
  return {
    preprocessor,
    churn: { model: churn.best.model, hidden: churn.best.hidden, platt, validationLoss: churn.best.validationLoss, epochs: churn.best.epochs, bestEpochs: churn.best.bestEpoch + 1, candidates: churn.candidates },
    value: { model: value.best.model, hidden: value.best.hidden, validationLoss: value.best.validationLoss, epochs: value.best.epochs, bestEpochs: value.best.bestEpoch + 1, candidates: value.candidates, bounds },
  };
}

/** Calibrated churn probability, expected spend in the horizon and P(buy) for each row of `data`. */
export function scoreNeural(models: Omit<NeuralModels, 'window'>, data: FeatureColumns, n: number): { churn: Float64Array; value: Float64Array; pBuy: Float64Array } {
  const x: Matrix = { data: transform(models.preprocessor, data, n), rows: n, cols: models.preprocessor.columns.length };
  const churn = applyPlatt(models.churn.platt, predict(models.churn.model, x));
  const { mean, pBuy } = zilnPredict(predict(models.value.model, x), models.value.bounds);
  return { churn, value: mean, pBuy };
}
