import { Random } from '../shared/random.js';
import { Float32Adam } from './adam.js';
import { tf } from './tfBackend.js';

/** A matrix in row-major order. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface NetworkOptions {
  hidden: number[];
  outputs: number;
  /** 'sigmoid' for a probability, 'linear' for raw outputs (the ZILN head). */
  activation: 'sigmoid' | 'linear';
  loss: 'binaryCrossentropy' | ((labels: tf.Tensor, outputs: tf.Tensor) => tf.Scalar);
  seed: number;
  maxEpochs?: number;
  patience?: number;
  /** Train exactly this many epochs, without early stopping (a kept champion's count): the last epoch's weights and validation loss. */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Weights to start from instead of the seeded initialisation (another network's of the same shape; ignored when the shapes differ). */
  initialWeights?: tf.Tensor[];
}

/** Early stopping's defaults: at most MAX_EPOCHS epochs, stopping PATIENCE epochs after the best. */
export const MAX_EPOCHS = 60;
export const PATIENCE = 5;

export interface TrainResult {
  model: tf.LayersModel;
  /** The best validation loss, the epoch it came from, and the epochs run. */
  validationLoss: number;
  bestEpoch: number;
  epochs: number;
}

/**
 * The seed a tfjs initializer is given: TensorFlow.js takes a seed of 0 for
 * none (and draws from Math.random), so 0, which a configured seed of 0 or -1
 * makes of a layer's, is given a fixed stand-in instead. Any other seed is
 * itself.
 */
export const initializerSeed = (seed: number): number => (seed === 0 ? ZERO_SEED : seed);
const ZERO_SEED = 0x5eed0;

/** A small MLP with seeded initial weights. */
export function buildMlp(inputs: number, o: Pick<NetworkOptions, 'hidden' | 'outputs' | 'activation' | 'seed'>): tf.Sequential {
  const model = tf.sequential();
  o.hidden.forEach((units, i) => {
    model.add(tf.layers.dense({
      units,
      activation: 'relu',
      ...(i === 0 ? { inputShape: [inputs] } : {}),
      kernelInitializer: tf.initializers.heNormal({ seed: initializerSeed(o.seed + i) }),
      biasInitializer: 'zeros',
    }));
  });
  model.add(tf.layers.dense({
    units: o.outputs,
    activation: o.activation,
    ...(o.hidden.length === 0 ? { inputShape: [inputs] } : {}),
    kernelInitializer: tf.initializers.glorotUniform({ seed: initializerSeed(o.seed + 100) }),
    biasInitializer: 'zeros',
  }));
  return model;
}

const toTensor = (m: Matrix) => tf.tensor2d(m.data, [m.rows, m.cols]);

/**
 * Trains with Adam, shuffling each epoch with a seeded permutation (tfjs's
 * own shuffle is not seeded), and stops early when the validation loss (on
 * a split later in time) has not improved for `patience` epochs; the best
 * epoch's weights are kept. With `initialWeights` it starts from them (the
 * scoring networks' refit starts from the backtest's) and usually stops
 * after fewer epochs. With `epochs` it trains exactly that many (a retrain
 * keeping the champion's count) and keeps the last epoch's weights: on the
 * same data, the weights early stopping would have kept.
 */
export async function trainNetwork(x: Matrix, y: Matrix, xVal: Matrix, yVal: Matrix, o: NetworkOptions): Promise<TrainResult> {
  const model = buildMlp(x.cols, o);
  if (o.initialWeights && sameShapes(model.getWeights(), o.initialWeights)) model.setWeights(o.initialWeights);
  model.compile({ optimizer: tf.train.adam(o.learningRate ?? 2e-3), loss: o.loss });
  const xv = toTensor(xVal);
  const yv = toTensor(yVal);
  const rng = new Random(o.seed);
  const patience = o.patience ?? PATIENCE;
  const fixed = o.epochs !== undefined ? Math.max(1, Math.min(o.epochs, o.maxEpochs ?? MAX_EPOCHS)) : undefined;
  let best = { loss: Infinity, epoch: -1, weights: [] as tf.Tensor[] };
  let epoch = 0;
  try {
    for (; epoch < (fixed ?? o.maxEpochs ?? MAX_EPOCHS); epoch++) {
      const order = Int32Array.from({ length: x.rows }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      await trainEpoch(model, x, y, order, o.batchSize ?? 256, o.loss);
      // A fixed count is evaluated once, after its last epoch.
      if (fixed !== undefined && epoch < fixed - 1) continue;
      const evaluated = model.evaluate(xv, yv, { batchSize: Math.max(1, Math.min(65_536, xVal.rows)) }) as tf.Scalar;
      const loss = (await evaluated.data())[0]!;
      evaluated.dispose();
      if (fixed !== undefined || loss < best.loss - 1e-6) {
        tf.dispose(best.weights);
        best = { loss, epoch, weights: model.getWeights().map((w) => w.clone()) };
      } else if (epoch - best.epoch >= patience) {
        epoch++;
        break;
      }
    }
    model.setWeights(best.weights);
  } finally {
    tf.dispose([xv, yv, ...best.weights]);
  }
  return { model, validationLoss: best.loss, bestEpoch: best.epoch, epochs: epoch };
}

/** The rows `rows` of a matrix (their positions), in that order. */
export function pickRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const data = new Float32Array(rows.length * m.cols);
  for (let r = 0; r < rows.length; r++) data.set(m.data.subarray(rows[r]! * m.cols, (rows[r]! + 1) * m.cols), r * m.cols);
  return { data, rows: rows.length, cols: m.cols };
}

/**
 * One epoch: a step of the optimiser per batch of `batchSize` rows taken in
 * `order`, the last batch what is left. The steps model.fit takes on the rows
 * in that order (without its shuffle), to the same weights, bit for bit, but
 * each batch copied from the matrix in JavaScript: model.fit gathers every
 * batch from the whole tensor, which the wasm backend makes a quarter of the
 * networks' training time (36 s with it, 27 s without, at a million customers).
 *
 * Each step is the one model.fit and trainOnBatch take (the mean of `loss`,
 * the model's compiled loss, over the batch, minimised by the model's own
 * optimiser over its trainable weights), without what they add around it:
 * checking the batch's shapes, the loss read back to JavaScript after every
 * step and its mean computed again as a metric. A fifth of a small network's
 * training time on wasm. The optimiser's update, when it is Adam (always, in
 * fidelio), is computed in JavaScript to the same weights, bit for bit
 * (Float32Adam, adam.ts): a fifth of a small network's epoch again.
 */
export async function trainEpoch(model: tf.LayersModel, x: Matrix, y: Matrix, order: Int32Array, batchSize: number, loss: NetworkOptions['loss']): Promise<void> {
  const lossOf = loss === 'binaryCrossentropy' ? tf.metrics.binaryCrossentropy : loss;
  const optimizer = model.optimizer;
  // The compiled model's trainable weights, in its order (trainOnBatch's `collectedTrainableWeights`).
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // Adam's update in JavaScript, to the optimiser's weights bit for bit (adam.ts).
  const adam = Float32Adam.of(optimizer, weights);
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.subarray(start, Math.min(start + batchSize, order.length));
    const xs = toTensor(pickRows(x, batch));
    const ys = toTensor(pickRows(y, batch));
    const batchLoss = () => tf.mean(lossOf(ys, model.apply(xs, { training: true }) as tf.Tensor)) as tf.Scalar;
    try {
      if (adam) adam.minimize(batchLoss);
      else optimizer.minimize(batchLoss, false, weights);
    } finally {
      tf.dispose([xs, ys]);
    }
  }
}

/** Whether two lists of weights have the same shapes, layer by layer. */
export function sameShapes(a: tf.Tensor[], b: tf.Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => t.shape.length === b[i]!.shape.length && t.shape.every((d, j) => d === b[i]!.shape[j]));
}

/**
 * Predicts in chunks of `chunk` rows, each chunk's tensor run through the model as it is (model.apply, not in training):
 * the layers model.predict runs, to the same figures, without its batching. model.predict slices its input into batches
 * even when one batch holds every row, and the wasm backend's slice copies the whole input out of the module's memory
 * and back (0.8 s of the main thread in a run that scores a million customers and explains the shown ones).
 */
export function predictRows(model: tf.LayersModel, x: Matrix, chunk = 65_536): Float32Array[] {
  const outputs: Float32Array[] = [];
  for (let start = 0; start < x.rows; start += chunk) {
    const rows = Math.min(chunk, x.rows - start);
    const part = tf.tidy(() => {
      const input = tf.tensor2d(x.data.subarray(start * x.cols, (start + rows) * x.cols), [rows, x.cols]);
      return model.apply(input, { training: false }) as tf.Tensor;
    });
    outputs.push(part.dataSync() as Float32Array);
    part.dispose();
  }
  return outputs;
}

/** Concatenates predictRows' chunks. */
export function predict(model: tf.LayersModel, x: Matrix): Float32Array {
  const parts = predictRows(model, x);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
