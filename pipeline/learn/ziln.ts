import { tf } from './tfBackend.js';

/*
 * The zero-inflated lognormal loss of Wang, Liu & Miao (2019), "A Deep
 * Probabilistic Model for Customer Lifetime Value Prediction". The network
 * has three outputs per customer: the logit of buying at all, and the mu and
 * (through softplus) sigma of the lognormal amount when buying. The loss is
 * the cross-entropy of buying plus, for buyers, the negative lognormal
 * log-density of the amount. Labels are spend >= 0.
 */

const SIGMA_FLOOR = 1e-4;

export function zilnLoss(labels: tf.Tensor, outputs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    // tfjs wants targets shaped like the outputs: the label is the first of three columns.
    const y = labels.rank === 2 && labels.shape[1]! > 1 ? labels.slice([0, 0], [-1, 1]).reshape([-1]) : labels.reshape([-1]);
    const [logit, mu, rawSigma] = tf.split(outputs, 3, 1).map((t) => t.reshape([-1])) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const positive = tf.cast(tf.greater(y, 0), 'float32');
    const classification = tf.losses.sigmoidCrossEntropy(positive, logit, undefined, undefined, tf.Reduction.NONE);
    const sigma = tf.maximum(tf.softplus(rawSigma), SIGMA_FLOOR);
    // For non-buyers y = 0: take log(1) so that nothing is NaN; the term is masked out anyway.
    const safeY = tf.where(tf.greater(y, 0), y, tf.onesLike(y));
    const logY = tf.log(safeY);
    const logDensity = tf.neg(logY).sub(tf.log(sigma)).sub(0.5 * Math.log(2 * Math.PI)).sub(tf.square(logY.sub(mu)).div(tf.square(sigma).mul(2)));
    const regression = tf.neg(positive.mul(logDensity));
    return tf.mean(classification.add(regression)) as tf.Scalar;
  });
}

/**
 * Bounds that keep the value network within what it learnt: mu and sigma
 * clipped to the ranges its outputs took on the training rows, and the
 * expected spend capped at a multiple of the largest training label. A
 * customer unlike every training row (an extreme wholesaler, a feature
 * far outside the training range) otherwise gets exp(mu + sigma^2 / 2)
 * of any size: decile errors of 1e24 were seen on a real history. The
 * level scale is applied before the cap.
 */
export interface ZilnBounds {
  mu: [number, number];
  sigma: [number, number];
  maxSpend: number;
  /** The factor that brings the predictions' total to the validation cutoff's actual spend (1 when absent). */
  levelScale?: number;
}

/** How many times the largest training label a prediction may reach. */
export const MAX_SPEND_MULTIPLE = 3;

/**
 * The outputs' logit, mu and sigma as arrays (sigma through softplus,
 * floored), from the outputs' rows (three numbers each, row-major). The
 * columns are taken apart here, not by tf.split (on wasm a strided copy that
 * cost more than the rest of the prediction); softplus and the floor are
 * still TensorFlow's, element by element on the same float32 numbers.
 */
function parts(outputs: tf.Tensor | Float32Array): { logit: Float32Array; mu: Float32Array; sigma: Float32Array } {
  const rows = outputs instanceof Float32Array ? outputs : (outputs.dataSync() as Float32Array);
  const n = rows.length / 3;
  const logit = new Float32Array(n);
  const mu = new Float32Array(n);
  const rawSigma = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    logit[i] = rows[i * 3]!;
    mu[i] = rows[i * 3 + 1]!;
    rawSigma[i] = rows[i * 3 + 2]!;
  }
  // The tensor leaves tidy, not its numbers: tidy looks for tensors in what it returns, element by element in an
  // array (a fifth of a second for a million customers).
  const floored = tf.tidy(() => tf.maximum(tf.softplus(tf.tensor1d(rawSigma)), SIGMA_FLOOR));
  const sigma = floored.dataSync() as Float32Array;
  floored.dispose();
  return { logit, mu, sigma };
}

/** The bounds from the network's outputs on its training rows and their largest label. */
export function zilnBounds(outputs: tf.Tensor | Float32Array, maxLabel: number): ZilnBounds {
  const { mu, sigma } = parts(outputs);
  let muLo = Infinity;
  let muHi = -Infinity;
  let sLo = Infinity;
  let sHi = -Infinity;
  for (let i = 0; i < mu.length; i++) {
    muLo = Math.min(muLo, mu[i]!);
    muHi = Math.max(muHi, mu[i]!);
    sLo = Math.min(sLo, sigma[i]!);
    sHi = Math.max(sHi, sigma[i]!);
  }
  return { mu: [muLo, muHi], sigma: [sLo, sHi], maxSpend: MAX_SPEND_MULTIPLE * Math.max(0, maxLabel) };
}

const clamp = (v: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, v));

/**
 * Expected spend from the three outputs (a tensor of them, or their rows as
 * predict gives them): P(buy) x exp(mu + sigma^2 / 2), within `bounds` when
 * given; and P(buy).
 */
export function zilnPredict(outputs: tf.Tensor | Float32Array, bounds?: ZilnBounds): { mean: Float64Array; pBuy: Float64Array } {
  const { logit, mu, sigma } = parts(outputs);
  const n = mu.length;
  const mean = new Float64Array(n);
  const pBuy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = 1 / (1 + Math.exp(-logit[i]!));
    const m = bounds ? clamp(mu[i]!, bounds.mu) : mu[i]!;
    const s = bounds ? clamp(sigma[i]!, bounds.sigma) : sigma[i]!;
    const spend = p * Math.exp(m + (s * s) / 2) * (bounds?.levelScale ?? 1);
    pBuy[i] = p;
    mean[i] = bounds ? Math.min(spend, bounds.maxSpend) : spend;
  }
  return { mean, pBuy };
}
