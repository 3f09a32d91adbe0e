/*
 * Platt scaling: p' = sigmoid(a logit(p) + b), with a and b fitted by
 * Newton's method to minimise the log loss on a validation split (later in
 * time than the training data), so that a churn probability of 0.7 means
 * that about 70% of such customers do not buy.
 */

export interface PlattScaling {
  a: number;
  b: number;
}

const EPS = 1e-7;
const logit = (p: number) => Math.log(Math.min(1 - EPS, Math.max(EPS, p)) / (1 - Math.min(1 - EPS, Math.max(EPS, p))));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function fitPlatt(prob: ArrayLike<number>, label: ArrayLike<number>): PlattScaling {
  const z = Array.from(prob, logit);
  const loss = (a: number, b: number) => {
    let s = 0;
    for (let i = 0; i < z.length; i++) {
      const t = a * z[i]! + b;
      // log(1 + e^t) - y t, computed without overflow
      s += (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - label[i]! * t;
    }
    return s;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < z.length; i++) {
      const p = sigmoid(a * z[i]! + b);
      const r = p - label[i]!;
      const w = p * (1 - p);
      ga += r * z[i]!;
      gb += r;
      haa += w * z[i]! * z[i]!;
      hab += w * z[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Damped Newton: halve the step until the loss falls.
    let step = 1;
    let next = loss(a - da, b - db);
    while (!(next < current) && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (!(next < current)) break;
    a -= step * da;
    b -= step * db;
    const gain = current - next;
    current = next;
    if (gain < 1e-12 * Math.max(1, current)) break;
  }
  return { a, b };
}

export function applyPlatt(s: PlattScaling, prob: ArrayLike<number>): Float64Array {
  return Float64Array.from(prob, (p) => platt(s, p));
}

/** One probability calibrated (applyPlatt's figure for it). */
export function platt(s: PlattScaling, p: number): number {
  return sigmoid(s.a * logit(p) + s.b);
}
