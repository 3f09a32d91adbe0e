import { platt, type PlattScaling } from './calibration.js';
import type { tf } from './tfBackend.js';

/*
 * Occlusion of a small churn network without running it: the calibrated
 * probability of a customer's inputs and of each copy with one group of
 * inputs set to a baseline, each as an interval [lo, hi] that holds the
 * figure any TensorFlow.js backend computes (float32, any order of
 * summation, with or without fused multiply-add). The sums are taken here
 * in float64 from the same float32 inputs and weights: a float32 sum of k
 * terms is within k·u/(1 - k·u) of the sum of their magnitudes of the exact
 * sum (u = 2^-24, whatever the order), relu moves nothing further apart,
 * and the backend's sigmoid is within SIGMOID_ULPS of the exact one. A
 * caller that needs the exact figure where two intervals meet runs the
 * network there (score/reasons.ts does).
 *
 * The first layer is where the copies differ: each group's share of its sums
 * is taken once per customer, and a copy's sums are the customer's with that
 * share replaced by the baseline's, so a copy costs one layer's width, not its
 * inputs times its width.
 */

const U = 2 ** -24;
const gamma = (k: number) => (k * U) / (1 - k * U);
/** The backend's float32 sigmoid against the exact one, in units of the result's last place: generous (XNNPACK's kernels are within a few). */
const SIGMOID_ULPS = 64;
/** float64's own rounding in the sums here, relative to the magnitudes summed: far above its few units of 1e-16. */
const F64_SLACK = 1e-13;
/** Absolute slack on a calibrated probability (float64 rounding of the calibration and of a difference). */
export const PROBABILITY_SLACK = 1e-12;
/** Later layers' multiply-adds per copy beyond which running the network is the cheaper way. */
const MAX_LATER_WORK = 256;

export interface Dense {
  /** inputs x units, row-major (as tfjs keeps a dense kernel). */
  kernel: Float64Array;
  bias: Float64Array;
  inputs: number;
  units: number;
  activation: 'relu' | 'sigmoid';
}

/**
 * The network as dense layers (relu hidden layers, one sigmoid output, each
 * with its bias), or null when it is anything else or too deep for bounding
 * here to be cheaper than running it.
 */
export function denseStack(model: tf.LayersModel): Dense[] | null {
  const layers: Dense[] = [];
  const weights = model.getWeights();
  let w = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Dense') return null;
    const config = layer.getConfig() as { activation?: string; useBias?: boolean; units?: number };
    if (!config.useBias || (config.activation !== 'relu' && config.activation !== 'sigmoid')) return null;
    const kernel = weights[w++];
    const bias = weights[w++];
    if (!kernel || !bias || kernel.shape.length !== 2 || bias.shape.length !== 1) return null;
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({ kernel: Float64Array.from(kernel.dataSync()), bias: Float64Array.from(bias.dataSync()), inputs, units, activation: config.activation });
  }
  if (w !== weights.length || layers.length === 0) return null;
  const last = layers[layers.length - 1]!;
  if (last.activation !== 'sigmoid' || last.units !== 1 || layers.slice(0, -1).some((l) => l.activation !== 'relu')) return null;
  const later = layers.slice(1).reduce((s, l) => s + l.inputs * l.units, 0);
  return later <= MAX_LATER_WORK ? layers : null;
}

/** The intervals of one row and its copies: index 0 the row's own, g + 1 the copy with group g at the baseline. */
export interface OcclusionBounds {
  lo: Float64Array;
  hi: Float64Array;
}

/**
 * Bounds of the calibrated churn probability of row `row` of `x` (rows of
 * `width` model inputs) and of its copies with each group's columns set to
 * `baseline`'s.
 */
export class OcclusionBounder {
  private readonly first: Dense;
  private readonly later: Dense[];
  /** Per group and unit: the baseline's share of the first layer's sum and of its magnitudes. */
  private readonly baseSum: Float64Array;
  private readonly baseAbs: Float64Array;
  /** Each input column's group (G: none). */
  private readonly groupOf: Int32Array;
  private readonly G: number;
  // Work arrays, reused row after row.
  private readonly share: Float64Array;
  private readonly sum: Float64Array;
  private readonly abs: Float64Array;
  private readonly pre: Float64Array;
  private readonly err: Float64Array;
  /** Each later layer's work arrays: its inputs after relu, its sums and their bounds. */
  private readonly buffers: [Float64Array, Float64Array, Float64Array][];
  private z = 0;
  private dz = 0;

  constructor(layers: Dense[], groups: readonly (readonly number[])[], baseline: Float32Array, private readonly platt: PlattScaling) {
    this.first = layers[0]!;
    this.later = layers.slice(1);
    const { kernel, units, inputs } = this.first;
    this.G = groups.length;
    this.groupOf = new Int32Array(inputs).fill(groups.length);
    this.baseSum = new Float64Array(this.G * units);
    this.baseAbs = new Float64Array(this.G * units);
    groups.forEach((columns, g) => {
      for (const i of columns) {
        if (this.groupOf[i] !== groups.length) throw new Error(`input column ${i} is in two groups of inputs`);
        this.groupOf[i] = g;
        for (let j = 0; j < units; j++) {
          const t = baseline[i]! * kernel[i * units + j]!;
          this.baseSum[g * units + j] += t;
          this.baseAbs[g * units + j] += Math.abs(t);
        }
      }
    });
    this.share = new Float64Array((this.G + 1) * units);
    this.sum = new Float64Array(units);
    this.abs = new Float64Array(units);
    this.pre = new Float64Array(units);
    this.err = new Float64Array(units);
    this.buffers = this.later.map((l) => [new Float64Array(l.inputs), new Float64Array(l.units), new Float64Array(l.units)]);
  }

  /** Writes row `row`'s G + 1 intervals into `out` from index 0. */
  bound(x: Float32Array, width: number, row: number, out: OcclusionBounds): void {
    const { kernel, bias, units, inputs } = this.first;
    const { share, abs, G, baseSum, baseAbs, pre, err, sum, groupOf } = this;
    // Each group's share of the first layer's sums (the last share: the columns of no group), and the sums' magnitudes.
    share.fill(0);
    for (let j = 0; j < units; j++) abs[j] = Math.abs(bias[j]!);
    const at = row * width;
    for (let i = 0; i < inputs; i++) {
      const v = x[at + i]!;
      if (v === 0) continue;
      const k = i * units;
      const s0 = groupOf[i]! * units;
      for (let j = 0; j < units; j++) {
        const t = v * kernel[k + j]!;
        share[s0 + j] += t;
        abs[j] += t < 0 ? -t : t;
      }
    }
    for (let j = 0; j < units; j++) {
      let total = bias[j]!;
      for (let g = 0; g <= G; g++) total += share[g * units + j]!;
      sum[j] = total;
    }
    const firstGamma = gamma(inputs + 1);
    for (let copy = 0; copy <= G; copy++) {
      for (let j = 0; j < units; j++) {
        // A copy's magnitudes are at most the customer's plus the baseline's share.
        const a = copy > 0 ? abs[j]! + baseAbs[(copy - 1) * units + j]! : abs[j]!;
        pre[j] = copy > 0 ? sum[j]! - share[(copy - 1) * units + j]! + baseSum[(copy - 1) * units + j]! : sum[j]!;
        err[j] = firstGamma * a + F64_SLACK * (a + abs[j]!);
      }
      this.rest(pre, err);
      this.calibrated(this.z, this.dz, out, copy);
    }
  }

  /** The later layers from the first's sums and their bounds: the output's logit and its bound (this.z, this.dz). */
  private rest(pre: Float64Array, err: Float64Array): void {
    let values = pre;
    let errors = err;
    for (let l = 0; l < this.later.length; l++) {
      const layer = this.later[l]!;
      const [h, next, nextErr] = this.buffers[l]!;
      // The previous layer's relu: 1-Lipschitz, so its error bound carries over.
      for (let i = 0; i < layer.inputs; i++) h[i] = values[i]! > 0 ? values[i]! : 0;
      const g = gamma(layer.inputs + 1);
      const { kernel, bias, units, inputs } = layer;
      for (let j = 0; j < units; j++) {
        let s = bias[j]!;
        let a = Math.abs(bias[j]!);
        let carried = 0;
        for (let i = 0; i < inputs; i++) {
          const w = kernel[i * units + j]!;
          const aw = w < 0 ? -w : w;
          s += h[i]! * w;
          a += (h[i]! + errors[i]!) * aw;
          carried += errors[i]! * aw;
        }
        next[j] = s;
        nextErr[j] = carried + g * a + F64_SLACK * a;
      }
      values = next;
      errors = nextErr;
    }
    this.z = values[0]!;
    this.dz = errors[0]!;
  }

  private calibrated(z: number, dz: number, out: OcclusionBounds, index: number): void {
    const rel = SIGMOID_ULPS * U + 1e-15;
    const pLo = Math.max(0, sigmoid(z - dz) * (1 - rel) - 1e-30);
    const pHi = Math.min(1, sigmoid(z + dz) * (1 + rel) + 1e-30);
    // The calibration is monotone in the probability (increasing or decreasing with the sign of its slope).
    const a = platt(this.platt, pLo);
    const b = platt(this.platt, pHi);
    out.lo[index] = Math.min(a, b) - PROBABILITY_SLACK;
    out.hi[index] = Math.max(a, b) + PROBABILITY_SLACK;
  }
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
