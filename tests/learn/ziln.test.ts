import { beforeAll, expect, test } from 'vitest';
import { initBackend, tf } from '../../pipeline/learn/tfBackend.js';
import { zilnBounds, zilnLoss, zilnPredict } from '../../pipeline/learn/ziln.js';

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

test('within bounds: mu and sigma clipped to their training ranges, the level scaled, the spend capped', () => {
  const bounds = { mu: [1, 4] as [number, number], sigma: [0.3, 0.8] as [number, number], maxSpend: 100, levelScale: 2 };
  // mu 30 (a customer unlike every training row): clipped to 4, sigma to 0.8; then x2 and within the cap.
  const { mean } = zilnPredict(tf.tensor2d([[0.3, 30, 5], [0.3, 2, 0.5], [5, 4, 0.8]]), bounds);
  expect(mean[0]).toBeCloseTo(2 * sigmoid(0.3) * Math.exp(4 + 0.32), 4);
  // softplus(0.5) = 0.97 is above the range too: 0.8.
  expect(mean[1]).toBeCloseTo(2 * sigmoid(0.3) * Math.exp(2 + 0.32), 4);
  expect(mean[2]).toBe(100);
  const learnt = zilnBounds(tf.tensor2d([[0, 1, 0], [0, 3, 1]]), 120);
  expect(learnt.mu).toEqual([1, 3]);
  expect(learnt.sigma[0]).toBeCloseTo(softplus(0), 6);
  expect(learnt.sigma[1]).toBeCloseTo(softplus(1), 6);
  expect(learnt.maxSpend).toBe(3 * 120);
});

test("from predict's rows or from a tensor, the figures are TensorFlow's own split and softplus of the columns, bit for bit", () => {
  // Outputs of every size: saturating softplus both ways, sigma under the floor, zeros, -0, tiny and huge logits.
  const n = 5000;
  const rows = new Float32Array(n * 3);
  const specials = [0, -0, 1e-30, -1e-30, 30, -30, 88, -88, 100, -100, 1e-4, -9.21];
  for (let i = 0; i < n * 3; i++) rows[i] = i < specials.length * 3 ? specials[Math.floor(i / 3)]! * (i % 3 === 1 ? 0.5 : 1) : Math.sin(i * 12.9898) * 20;
  const bounds = { mu: [-3, 6] as [number, number], sigma: [0.05, 2.5] as [number, number], maxSpend: 5000, levelScale: 1.3 };
  // The reference: the columns split by TensorFlow (as before), sigma = max(softplus(raw), 1e-4), then the same formula.
  const [logit, mu, sigma] = tf.tidy(() => {
    const [l, m, r] = tf.split(tf.tensor2d(rows, [n, 3]), 3, 1).map((t) => t.reshape([-1]));
    return [l!.dataSync(), m!.dataSync(), tf.maximum(tf.softplus(r!), 1e-4).dataSync()];
  });
  for (const b of [undefined, bounds]) {
    const fromRows = zilnPredict(rows, b);
    const t = tf.tensor2d(rows, [n, 3]);
    const fromTensor = zilnPredict(t, b);
    t.dispose();
    const clamp = (v: number, r?: [number, number]) => (r ? Math.min(r[1], Math.max(r[0], v)) : v);
    const mean = Float64Array.from({ length: n }, (_, i) => {
      const p = 1 / (1 + Math.exp(-logit[i]!));
      const s = clamp(sigma[i]!, b?.sigma);
      const spend = p * Math.exp(clamp(mu[i]!, b?.mu) + (s * s) / 2) * (b?.levelScale ?? 1);
      return b ? Math.min(spend, b.maxSpend) : spend;
    });
    expect(fromRows.mean).toEqual(mean);
    expect(fromTensor.mean).toEqual(mean);
    expect(fromRows.pBuy).toEqual(Float64Array.from({ length: n }, (_, i) => 1 / (1 + Math.exp(-logit[i]!))));
  }
  // The training ranges likewise: the reference's extremes of mu and sigma.
  const t = tf.tensor2d(rows, [n, 3]);
  expect(zilnBounds(t, 10)).toEqual({ mu: [Math.min(...mu), Math.max(...mu)], sigma: [Math.min(...sigma), Math.max(...sigma)], maxSpend: 30 });
  t.dispose();
});
