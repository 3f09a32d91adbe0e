import { tf } from './tfBackend.js';

/**
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

/** Expected spend from the three outputs: P(buy) x exp(mu + sigma^2 / 2); and P(buy). */
export function zilnPredict(outputs: tf.Tensor): { mean: Float32Array; pBuy: Float32Array } {
  return tf.tidy(() => {
    const [logit, mu, rawSigma] = tf.split(outputs, 3, 1).map((t) => t.reshape([-1]));
    const sigma = tf.maximum(tf.softplus(rawSigma!), SIGMA_FLOOR);
    const pBuy = tf.sigmoid(logit!);
    const mean = pBuy.mul(tf.exp(mu!.add(tf.square(sigma).div(2))));
    return { mean: mean.dataSync() as Float32Array, pBuy: pBuy.dataSync() as Float32Array };
  });
}
