import { tf } from './tfBackend.js';

const f = Math.fround;

/** What Adam's update needs of a compiled optimiser (tf.train.adam's getConfig). */
interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Each compiled optimiser's state, kept for as long as its model trains (trainEpoch is called once per epoch). */
const states = new WeakMap<tf.Optimizer, Float32Adam>();

/**
 * Adam's update computed in JavaScript on the weights' float32 values, operation
 * for operation as TensorFlow.js's AdamOptimizer (tfjs-core 4.22) computes it
 * with one kernel per operation, so that the weights are the same, bit for bit
 * (tests/learn/network.test.ts holds trainEpoch to model.fit; tests/learn/adam.test.ts
 * to the optimiser itself, step by step), on the wasm and cpu backends. The
 * optimiser's fourteen kernels per weight and step (and the scalars it uploads
 * for them) are each a call into the backend: on wasm, a fifth of a small
 * network's epoch (9-22% measured, the larger share the smaller network).
 *
 * Each operation is one float32 result: Math.fround of the double result.
 * For a sum, difference, product, quotient or square root of float32 values,
 * the double result rounded to float32 is the float32 result (a double's 53
 * bits are at least twice a float32's 24 and 2 more), so no operation rounds
 * differently. The constants are the float32 scalars TensorFlow.js makes of
 * the optimiser's numbers (1 - beta1 computed in double, then made a float32).
 *
 * Not on tfjs-node: native TensorFlow flushes subnormal results to zero, which
 * JavaScript does not (the state's beta1 to the power of the steps falls below
 * the smallest normal float32 after about 830 of them), so there the optimiser
 * steps itself.
 *
 * The state is this class's, not the optimiser's: the optimiser still looks
 * unused after these steps. An optimiser that stepped by itself (model.fit),
 * before or after, is left to step itself from then on.
 */
export class Float32Adam {
  private readonly beta1: number;
  private readonly oneMinusBeta1: number;
  private readonly beta2: number;
  private readonly oneMinusBeta2: number;
  private readonly epsilon: number;
  private readonly minusRate: number;
  /** beta1 and beta2 to the power of the steps taken plus one (the optimiser's accBeta1 and accBeta2). */
  private accBeta1: number;
  private accBeta2: number;
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];
  /** The weights' values, read from their variables at the start of each epoch and written back after each step. */
  private values: Float32Array[] = [];

  private constructor(private readonly weights: tf.Variable[], c: AdamConfig) {
    this.beta1 = f(c.beta1);
    this.oneMinusBeta1 = f(1 - c.beta1);
    this.beta2 = f(c.beta2);
    this.oneMinusBeta2 = f(1 - c.beta2);
    this.epsilon = f(c.epsilon);
    this.minusRate = f(-c.learningRate);
    this.accBeta1 = this.beta1;
    this.accBeta2 = this.beta2;
    this.first = weights.map((w) => new Float32Array(w.size));
    this.second = weights.map((w) => new Float32Array(w.size));
  }

  /**
   * The update for `optimizer`'s model over `weights` (its trainable ones, in order), its state kept from the
   * optimiser's earlier epochs; undefined for an optimiser other than Adam (trainEpoch then lets it step).
   */
  static of(optimizer: tf.Optimizer, weights: tf.Variable[]): Float32Adam | undefined {
    // Another optimiser, an Adam that stepped by itself (its state is its own) or native TensorFlow's: it steps.
    // (By its class's name: TensorFlow.js's optimisers answer instanceof by their methods, so an SGD is an Adam by it.)
    if (optimizer.getClassName() !== 'Adam' || optimizer.iterations !== 0 || tf.getBackend() === 'tensorflow') {
      states.delete(optimizer);
      return undefined;
    }
    let adam = states.get(optimizer);
    // Other weights than the state's (another model compiled with the same optimiser): a state of their own.
    if (!adam || adam.weights.length !== weights.length || adam.weights.some((w, i) => w !== weights[i])) {
      adam = new Float32Adam(weights, optimizer.getConfig() as unknown as AdamConfig);
      states.set(optimizer, adam);
    }
    adam.values = weights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
    return adam;
  }

  /** One step down `loss`'s gradients over the weights, as the optimiser's minimize takes them (tf.variableGrads). */
  minimize(loss: () => tf.Scalar): void {
    const { value, grads } = tf.variableGrads(loss, this.weights);
    value.dispose();
    try {
      this.step(grads);
    } finally {
      tf.dispose(grads);
    }
  }

  /** One step: the weights moved by their gradients (`grads`, by variable name, as tf.variableGrads gives them). */
  step(grads: tf.NamedTensorMap): void {
    const bias1 = f(1 - this.accBeta1);
    const bias2 = f(1 - this.accBeta2);
    const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon, minusRate } = this;
    for (const [i, weight] of this.weights.entries()) {
      const gradient = grads[weight.name];
      // No gradient, no step (as the optimiser).
      if (!gradient) continue;
      const g = gradient.dataSync() as Float32Array;
      const m = this.first[i]!;
      const v = this.second[i]!;
      const w = this.values[i]!;
      for (let j = 0; j < w.length; j++) {
        const gj = g[j]!;
        const mj = f(f(m[j]! * beta1) + f(gj * oneMinusBeta1));
        const vj = f(f(v[j]! * beta2) + f(f(gj * gj) * oneMinusBeta2));
        m[j] = mj;
        v[j] = vj;
        const mHat = f(mj / bias1);
        const vHat = f(vj / bias2);
        w[j] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + epsilon)) * minusRate) + w[j]!);
      }
      // A copy: the cpu backend keeps the array it is given as the tensor's values, and the next step changes `w` in place.
      const moved = tf.tensor(w.slice(), weight.shape, 'float32');
      weight.assign(moved);
      moved.dispose();
    }
    this.accBeta1 = f(this.accBeta1 * beta1);
    this.accBeta2 = f(this.accBeta2 * beta2);
  }
}
