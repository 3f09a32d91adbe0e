/*
 * Preprocessing learnt on the training rows only and saved with the model:
 * a transform per feature (log for skewed counts, amounts and durations,
 * signed log for amounts that can be negative, clipping for ratios),
 * standardisation with the training mean and deviation, a missing-value
 * indicator for features that can be missing, clipping to the range seen
 * in training (a customer unlike every training row is read as the nearest
 * one, not extrapolated), and one-hot columns for the
 * most frequent values of small categoricals (the rest share "other").
 * A feature missing in every training row (line-item features on an
 * orders-only history) is left out of the model: it would teach nothing.
 */

export type Transform = 'log1p' | 'slog' | 'clip' | 'none';

export interface NumericFeature {
  name: string;
  transform: Transform;
}

/** The features the learnt models read from customer_features / training_snapshots. */
export const NUMERIC_FEATURES: NumericFeature[] = [
  ...['recency_days', 'tenure_days', 'orders_count', 'purchase_days', 'gap_mean_days', 'gap_std_days', 'orders_30d', 'orders_90d',
    'orders_180d', 'orders_365d', 'orders_prev_90d', 'refund_count', 'refunded_value', 'category_count', 'tickets_365d',
    'complaints_90d', 'complaints_365d', 'unresolved_complaints', 'days_since_last_complaint', 'signup_tenure_days',
    'avg_order_value', 'max_order_value', 'gross_spend'].map((name) => ({ name, transform: 'log1p' as const })),
  ...['net_spend', 'spend_30d', 'spend_90d', 'spend_180d', 'spend_365d', 'spend_prev_90d', 'days_overdue'].map((name) => ({ name, transform: 'slog' as const })),
  ...['overdue_ratio', 'mom_spend_change', 'yoy_spend_change'].map((name) => ({ name, transform: 'clip' as const })),
  ...['trend_90d', 'refund_rate', 'discount_share', 'age_years', 'returned_items_share'].map((name) => ({ name, transform: 'none' as const })),
  // From line items, when the orders input has them (left out of a model whose training data has none).
  ...['avg_basket_items', 'avg_basket_lines', 'distinct_products'].map((name) => ({ name, transform: 'log1p' as const })),
  // BG/NBD's view of the customer, fitted at the same cutoff (btyd_features).
  { name: 'btyd_p_alive', transform: 'none' },
  { name: 'btyd_expected_purchases', transform: 'log1p' },
  { name: 'btyd_p_no_purchase', transform: 'none' },
  // The season ahead: the mean seasonal index over the horizon after the cutoff (1: an average stretch of the year).
  { name: 'btyd_season_index', transform: 'none' },
];
export const CATEGORICAL_FEATURES = ['preferred_channel', 'country'] as const;
const MAX_CATEGORIES = 8;

export interface PreprocessorState {
  /** min/max: the range of the transformed feature on the training rows; a value outside it is clipped to it (absent from older models). */
  numeric: { name: string; transform: Transform; mean: number; std: number; missingIndicator: boolean; min?: number; max?: number }[];
  categorical: { name: string; values: string[] }[];
  /** Names of the model's input columns, in order. */
  columns: string[];
}

/** Model inputs as columns: numbers as Float64Array (missing as NaN), categories as text (missing as null). */
export type FeatureColumns = Record<string, Float64Array | (string | null)[]>;

/**
 * Math.log1p of the whole numbers below LOG1P_TABLE_SIZE, computed once: most model inputs are counts and days,
 * and a table entry is the very figure Math.log1p gives for it, so a row's inputs are the same bit for bit.
 */
const LOG1P_TABLE_SIZE = 4096;
const LOG1P_TABLE = Float64Array.from({ length: LOG1P_TABLE_SIZE }, (_, k) => Math.log1p(k));

/** Math.log1p(v) for v >= 0 (or +Infinity), from the table when v is a whole number within it. */
function log1pOfNonNegative(v: number): number {
  const k = v | 0;
  return k === v && k < LOG1P_TABLE_SIZE ? LOG1P_TABLE[k]! : Math.log1p(v);
}

function apply(transform: Transform, v: number): number {
  switch (transform) {
    case 'log1p':
      return log1pOfNonNegative(Math.max(0, v));
    case 'slog':
      return Math.sign(v) * log1pOfNonNegative(Math.abs(v));
    case 'clip':
      return Math.min(10, Math.max(-10, v));
    case 'none':
      return v;
  }
}

/** Learns the preprocessing from training columns. */
export function fitPreprocessor(data: FeatureColumns, numeric = NUMERIC_FEATURES, categorical: readonly string[] = CATEGORICAL_FEATURES): PreprocessorState {
  const state: PreprocessorState = { numeric: [], categorical: [], columns: [] };
  for (const f of numeric) {
    const col = data[f.name] as Float64Array | undefined;
    if (!col) throw new Error(`feature ${f.name} is missing from the training data`);
    let n = 0;
    let sum = 0;
    let sq = 0;
    let missing = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const raw of col) {
      if (Number.isNaN(raw)) {
        missing++;
        continue;
      }
      const v = apply(f.transform, raw);
      n++;
      sum += v;
      sq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (n === 0) continue;
    const mean = sum / n;
    const std = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
    state.numeric.push({ name: f.name, transform: f.transform, mean, std: std > 1e-12 ? std : 1, missingIndicator: missing > 0, min, max });
    state.columns.push(f.name);
    if (missing > 0) state.columns.push(`${f.name}__missing`);
  }
  for (const name of categorical) {
    const col = data[name] as (string | null)[] | undefined;
    if (!col) continue;
    const counts = new Map<string, number>();
    for (const v of col) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    const values = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_CATEGORIES).map(([v]) => v);
    state.categorical.push({ name, values });
    for (const v of values) state.columns.push(`${name}=${v}`);
    state.columns.push(`${name}=other`);
  }
  return state;
}

/**
 * The model's input matrix (rows x columns, row-major) for `n` rows of feature columns. One loop per
 * feature with its transform chosen once (not per value), the same arithmetic as `apply` in the same
 * order: the same float32 inputs as before, bit for bit (tests/learn/preprocess.test.ts).
 */
export function transform(state: PreprocessorState, data: FeatureColumns, n: number): Float32Array {
  const width = state.columns.length;
  const out = new Float32Array(n * width);
  let c = 0;
  for (const f of state.numeric) {
    const col = data[f.name] as Float64Array;
    const lo = f.min ?? -Infinity;
    const hi = f.max ?? Infinity;
    const { mean, std, missingIndicator } = f;
    // Within the training range: a network extrapolates linearly beyond it, without bound. A missing value is 0
    // (the array's own), with its indicator 1.
    const put = (i: number, t: number) => {
      out[i * width + c] = (Math.min(hi, Math.max(lo, t)) - mean) / std;
    };
    const missing = (i: number) => {
      if (missingIndicator) out[i * width + c + 1] = 1;
    };
    switch (f.transform) {
      case 'log1p':
        for (let i = 0; i < n; i++) {
          const raw = col[i]!;
          if (Number.isNaN(raw)) missing(i);
          else put(i, log1pOfNonNegative(Math.max(0, raw)));
        }
        break;
      case 'slog':
        for (let i = 0; i < n; i++) {
          const raw = col[i]!;
          if (Number.isNaN(raw)) missing(i);
          else put(i, Math.sign(raw) * log1pOfNonNegative(Math.abs(raw)));
        }
        break;
      case 'clip':
        for (let i = 0; i < n; i++) {
          const raw = col[i]!;
          if (Number.isNaN(raw)) missing(i);
          else put(i, Math.min(10, Math.max(-10, raw)));
        }
        break;
      case 'none':
        for (let i = 0; i < n; i++) {
          const raw = col[i]!;
          if (Number.isNaN(raw)) missing(i);
          else put(i, raw);
        }
        break;
    }
    c += missingIndicator ? 2 : 1;
  }
  for (const f of state.categorical) {
    const col = (data[f.name] as (string | null)[] | undefined) ?? [];
    // Each kept value's one-hot column (the first of equal values, as indexOf finds it); any other value, and none: "other".
    const position = new Map<string, number>();
    f.values.forEach((v, k) => {
      if (!position.has(v)) position.set(v, k);
    });
    for (let i = 0; i < n; i++) {
      const k = position.get(col[i] ?? '\u0000');
      out[i * width + c + (k ?? f.values.length)] = 1;
    }
    c += f.values.length + 1;
  }
  return out;
}
