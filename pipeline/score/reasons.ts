import type { PlattScaling } from '../learn/calibration.js';
import { denseStack, OcclusionBounder, PROBABILITY_SLACK, type Dense } from '../learn/occlusionBounds.js';
import type { NeuralModels } from '../learn/neuralModels.js';
import { transform, type FeatureColumns, type PreprocessorState } from '../learn/preprocess.js';

/*
 * Why a customer's churn score is high, by occlusion against a baseline
 * customer: for each group of related inputs, the churn probability drops
 * by some amount when that group alone is set to the typical customer's
 * (the training mean for numeric inputs, not missing, the most frequent
 * category). The groups that raised the score most, above MIN_EFFECT, are
 * told in words with the customer's own values. A group with nothing true
 * to say for this customer (a silence reason for one who just bought) says
 * nothing; an empty result leaves the plain reasons of customer_scores.sql.
 *
 * Here: the groups, their words, and the bounds that decide most
 * customers' reasons without running the network (no TensorFlow.js is
 * loaded: the reasons threads import this module alone). The network runs
 * on the rest in occlusionReasons.ts.
 */

const MIN_EFFECT = 0.01;
const MAX_REASONS = 3;

type Values = (name: string) => number;
type Text = (name: string) => string | null;

/** What a phrase needs beyond the customer's own values: the base's typical rhythm. */
export interface ReasonContext {
  /** The median gap between purchase days of customers with at least two gaps. */
  typicalGapDays: number;
  /** A customer who bought within this share of their usual gap gets no silence reason. */
  recentShare: number;
}

interface ReasonGroup {
  name: string;
  features: string[];
  phrase(v: Values, t: Text, c: ReasonContext): string | null;
}

/** A customer's usual gap between purchase days: their own with two gaps or more, otherwise the typical one. */
export function usualGap(v: Values, c: ReasonContext): { days: number; own: boolean } {
  return v('purchase_days') >= 3 && Number.isFinite(v('gap_mean_days')) ? { days: v('gap_mean_days'), own: true } : { days: c.typicalGapDays, own: false };
}

const n0 = (v: number) => (Number.isFinite(v) ? v : 0);
const plural = (k: number, word: string, many = `${word}s`) => `${k} ${k === 1 ? word : many}`;
const amount = (v: number) => Math.round(n0(v)).toLocaleString('en-US');

export const REASON_GROUPS: ReasonGroup[] = [
  {
    name: 'recency',
    features: ['recency_days', 'days_overdue', 'overdue_ratio'],
    phrase: (v, _t, c) => {
      const gap = usualGap(v, c);
      const days = v('recency_days');
      // Too recent to speak of a silence.
      if (Number.isFinite(gap.days) && days <= c.recentShare * gap.days) return null;
      if (!(Number.isFinite(gap.days) && gap.days > 0 && days > gap.days)) return v('purchase_days') <= 1 ? `one purchase only, ${days} days ago` : `no order for ${days} days`;
      return gap.own
        ? `no order for ${days} days, ${(days / gap.days).toFixed(1)}x the usual gap of ${Math.round(gap.days)} days`
        : `no order for ${days} days, ${(days / gap.days).toFixed(1)}x the typical gap of ${Math.round(gap.days)} days between purchases`;
    },
  },
  {
    name: 'frequency',
    features: ['orders_count', 'purchase_days', 'orders_30d', 'orders_90d', 'orders_180d', 'orders_365d', 'orders_prev_90d', 'gap_mean_days', 'gap_std_days'],
    phrase: (v) => (v('purchase_days') <= 1
      ? `a single purchase day in ${v('tenure_days')} days`
      : `${plural(v('orders_90d'), 'order')} in the last 90 days against ${v('orders_prev_90d')} in the 90 before`),
  },
  {
    name: 'trend',
    features: ['trend_90d', 'mom_spend_change', 'yoy_spend_change', 'spend_30d', 'spend_90d', 'spend_prev_90d'],
    phrase: (v) => (v('spend_prev_90d') > 0 && v('spend_90d') < v('spend_prev_90d')
      ? `spend in the last 90 days down ${Math.round(100 * (1 - Math.max(0, v('spend_90d')) / v('spend_prev_90d')))}% on the 90 before`
      : 'spending less than before'),
  },
  {
    name: 'spend',
    features: ['net_spend', 'gross_spend', 'avg_order_value', 'max_order_value', 'spend_180d', 'spend_365d'],
    phrase: (v) => `spending pattern: ${amount(v('net_spend'))} to date, ${amount(v('avg_order_value'))} an order`,
  },
  {
    name: 'complaints',
    features: ['complaints_90d', 'complaints_365d', 'unresolved_complaints', 'days_since_last_complaint', 'tickets_365d'],
    phrase: (v) => (v('unresolved_complaints') > 0
      ? plural(v('unresolved_complaints'), 'unresolved complaint')
      : v('complaints_365d') > 0
        ? `${plural(v('complaints_365d'), 'complaint')} in the last year`
        : v('tickets_365d') > 0
          ? `${plural(v('tickets_365d'), 'support contact')} in the last year`
          : 'no support contact in the last year'),
  },
  {
    name: 'refunds',
    features: ['refund_count', 'refunded_value', 'refund_rate'],
    phrase: (v) => (v('refund_count') > 0 ? `returned ${Math.round(100 * n0(v('refund_rate')))}% of orders (${amount(v('refunded_value'))} refunded)` : 'no returns so far'),
  },
  {
    name: 'discounts',
    features: ['discount_share'],
    phrase: (v) => (Number.isFinite(v('discount_share')) ? `${Math.round(100 * v('discount_share'))}% of orders on discount` : null),
  },
  {
    name: 'tenure',
    features: ['tenure_days', 'signup_tenure_days', 'age_years'],
    phrase: (v) => `tenure of ${v('tenure_days')} days`,
  },
  {
    name: 'breadth',
    features: ['category_count', 'preferred_channel', 'country'],
    phrase: (v, t) => `buys from ${plural(v('category_count'), 'category', 'categories')}${t('preferred_channel') ? `, mostly by ${t('preferred_channel')}` : ''}`,
  },
  {
    name: 'basket',
    features: ['avg_basket_items', 'avg_basket_lines', 'distinct_products', 'returned_items_share'],
    phrase: (v) => (Number.isFinite(v('avg_basket_items'))
      ? `${n0(v('avg_basket_items')).toFixed(1)} items a basket, ${plural(v('distinct_products'), 'product')} to date${v('returned_items_share') > 0 ? `, ${Math.round(100 * v('returned_items_share'))}% of items returned` : ''}`
      : null),
  },
  {
    name: 'pattern',
    features: ['btyd_p_alive', 'btyd_expected_purchases', 'btyd_p_no_purchase'],
    phrase: (v) => (Number.isFinite(v('btyd_p_alive')) ? `purchase rhythm: ${Math.round(100 * v('btyd_p_alive'))}% likely still active` : null),
  },
];

/**
 * What explaining a batch takes apart from running the churn network: plain
 * data (no model object), so that a reasons thread (reasonsPool.ts) can be
 * given it. groups: each told group's index in REASON_GROUPS and its
 * model-input columns; baseline: the typical customer's input row; stack:
 * the network as bounded layers (occlusionBounds.ts), or null where the
 * network must run on every row.
 */
export interface ReasonPlan {
  preprocessor: PreprocessorState;
  baseline: Float32Array;
  groups: { index: number; columns: number[] }[];
  width: number;
  stack: Dense[] | null;
  platt: PlattScaling;
  context: ReasonContext;
}

/** The plan for `models`' churn network. */
export function reasonPlan(models: NeuralModels, context: ReasonContext): ReasonPlan {
  const columns = models.preprocessor.columns;
  const baseline = new Float32Array(columns.length);
  for (const c of models.preprocessor.categorical) {
    if (c.values.length) baseline[columns.indexOf(`${c.name}=${c.values[0]}`)] = 1;
    else baseline[columns.indexOf(`${c.name}=other`)] = 1;
  }
  // Groups with no input in this model (line-item features on an orders-only history) are left out.
  const groups = REASON_GROUPS.map((group, index) => ({
    index,
    columns: columns.flatMap((col, i) => (group.features.some((f) => col === f || col.startsWith(`${f}__`) || col.startsWith(`${f}=`)) ? [i] : [])),
  })).filter((g) => g.columns.length > 0);
  const all = groups.flatMap((g) => g.columns);
  const stack = groups.length > 0 && new Set(all).size === all.length ? denseStack(models.churn.model) : null;
  return { preprocessor: models.preprocessor, baseline, groups, width: columns.length, stack, platt: models.churn.platt, context };
}

/** The groups told for one customer from each group's effect: those that clearly raised the score, failing any the one that raised it most. */
export function choose(effects: ArrayLike<number>): number[] {
  const ranked = Array.from(effects, (effect, g) => ({ g, effect })).sort((a, b) => b.effect - a.effect);
  // The groups that clearly raised the score; failing any, the one that raised it most.
  const clear = ranked.filter((e) => e.effect > MIN_EFFECT).slice(0, MAX_REASONS);
  return (clear.length ? clear : ranked.slice(0, 1)).map((e) => e.g);
}

/**
 * choose's answer where the bounds of the calibrated probabilities (index 0
 * the customer's own, g + 1 the copy without group g) decide it whatever the
 * exact figures within them; null where they do not.
 */
export function chooseWithin(lo: Float64Array, hi: Float64Array): number[] | null {
  const G = lo.length - 1;
  const pool = new Int32Array(G);
  let clear = 0;
  for (let g = 0; g < G; g++) {
    // effect = own - copy, each within its bounds (PROBABILITY_SLACK covers the difference's rounding)
    if (lo[0]! - hi[g + 1]! - PROBABILITY_SLACK > MIN_EFFECT) pool[clear++] = g;
    else if (!(hi[0]! - lo[g + 1]! + PROBABILITY_SLACK <= MIN_EFFECT)) return null;
  }
  // Without a clear group, the one that raised the score most among all.
  const size = clear || G;
  if (!clear) for (let g = 0; g < G; g++) pool[g] = g;
  const take = clear ? Math.min(MAX_REASONS, clear) : 1;
  const told: number[] = [];
  // A larger effect is a smaller copy: each place goes to the copy whose upper bound is below every remaining one's lower bound.
  for (let i = 0; i < take; i++) {
    let m = i;
    for (let j = i + 1; j < size; j++) if (hi[pool[j]! + 1]! < hi[pool[m]! + 1]!) m = j;
    const top = pool[m]!;
    pool[m] = pool[i]!;
    pool[i] = top;
    for (let j = i + 1; j < size; j++) if (!(hi[top + 1]! < lo[pool[j]! + 1]!)) return null;
    told.push(top);
  }
  return told;
}

/**
 * Part of a batch's reasons: `texts` for the rows `which` of `data` (n rows),
 * each where the bounds decide which groups are told; `undecided`: the
 * positions in `which` they leave to the network (their texts empty here),
 * with those rows' model inputs, one after another, in `inputs`. Needs no
 * network: a reasons thread computes it (reasonsPool.ts).
 */
export interface BoundedReasons {
  texts: string[];
  undecided: number[];
  inputs: Float32Array;
}

export function boundedReasons(plan: ReasonPlan, data: FeatureColumns, n: number, which: readonly number[]): BoundedReasons {
  const { width, groups, stack } = plan;
  const full = transform(plan.preprocessor, data, n);
  const G = groups.length;
  const texts: string[] = new Array(which.length);
  const undecided: number[] = [];
  if (stack) {
    const bounder = new OcclusionBounder(stack, groups.map((g) => g.columns), plan.baseline, plan.platt);
    const bounds = { lo: new Float64Array(G + 1), hi: new Float64Array(G + 1) };
    which.forEach((row, k) => {
      bounder.bound(full, width, row, bounds);
      const decided = chooseWithin(bounds.lo, bounds.hi);
      if (decided) texts[k] = tell(plan, decided, data, row);
      else {
        texts[k] = '';
        undecided.push(k);
      }
    });
  } else {
    which.forEach((_, k) => {
      texts[k] = '';
      undecided.push(k);
    });
  }
  const inputs = new Float32Array(undecided.length * width);
  undecided.forEach((k, r) => inputs.set(full.subarray(which[k]! * width, (which[k]! + 1) * width), r * width));
  return { texts, undecided, inputs };
}

/** The phrases of the groups `chosen` (positions in plan.groups) for row `row` of `data`, separated by "; ". */
export function tell(plan: ReasonPlan, chosen: readonly number[], data: FeatureColumns, row: number): string {
  const value: Values = (name) => {
    const col = data[name];
    return col instanceof Float64Array ? col[row]! : NaN;
  };
  const text: Text = (name) => {
    const col = data[name];
    return Array.isArray(col) ? col[row] ?? null : null;
  };
  return chosen.map((g) => REASON_GROUPS[plan.groups[g]!.index]!.phrase(value, text, plan.context)).filter((x): x is string => Boolean(x)).join('; ');
}
