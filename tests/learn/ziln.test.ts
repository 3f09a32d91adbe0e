import { beforeAll, expect, test } from 'vitest';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { zilnLoss, zilnPredict } from '../../pipeline/learn/ziln.js';

beforeAll(async () => {
  await initBackend();
});

const softplus = (x: number) => Math.log1p(Math.exp(x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

test('the ZILN loss equals the hand-computed cross-entropy plus lognormal negative log-density', () => {
  // Two customers: one who did not buy (y = 0), one who spent 20.
  const outputs = [
    [0.3, 1.2, 0.5],
    [-0.4, 2.5, -0.2],
  ];
  const labels = [0, 20];
  const expected = outputs.map(([logit, mu, raw], i) => {
    const y = labels[i]!;
    const p = sigmoid(logit!);
    if (y === 0) return -Math.log(1 - p);
    const sigma = softplus(raw!);
    const logDensity = -Math.log(y) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI) - (Math.log(y) - mu!) ** 2 / (2 * sigma * sigma);
    return -Math.log(p) - logDensity;
  });
  const loss = zilnLoss(tf.tensor2d(labels.map((y) => [y, 0, 0])), tf.tensor2d(outputs));
  expect(loss.dataSync()[0]).toBeCloseTo((expected[0]! + expected[1]!) / 2, 5);
  // The first column alone (a [n, 1] label) gives the same.
  expect(zilnLoss(tf.tensor2d(labels.map((y) => [y])), tf.tensor2d(outputs)).dataSync()[0]).toBeCloseTo((expected[0]! + expected[1]!) / 2, 5);
});

test('the predicted value is P(buy) x exp(mu + sigma^2 / 2)', () => {
  const { mean, pBuy } = zilnPredict(tf.tensor2d([[0.3, 1.2, 0.5]]));
  const sigma = softplus(0.5);
  expect(pBuy[0]).toBeCloseTo(sigmoid(0.3), 6);
  expect(mean[0]).toBeCloseTo(sigmoid(0.3) * Math.exp(1.2 + (sigma * sigma) / 2), 4);
});
