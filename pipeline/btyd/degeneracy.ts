/*
 * Fits whose parameters run off to a boundary, told in words. The
 * likelihood of a history with no visible dropout is highest where the
 * dropout parameters leave no one (BG/NBD's a -> 0 or b -> infinity,
 * Pareto/NBD's s -> 0 or beta -> infinity): the model then collapses to
 * the NBD, and P(alive) is about 1 for everyone, however long their
 * silence. A shape running to infinity means no spread between customers
 * (everyone the same rate), which is a statement about the data rather
 * than a failure, but worth saying.
 */

export type DegenerateIssue = 'no_dropout' | 'all_or_nothing_dropout' | 'same_purchase_rate' | 'same_dropout' | 'no_finite_mean_spend' | 'same_spend';

export interface Degeneracy {
  issue: DegenerateIssue;
  message: string;
}

/** A shape above this is "infinite": the gamma or beta mixing distribution has collapsed to a point. */
const SHAPE_INFINITY = 1e3;
/** Shapes below this are "zero": the mixing distribution has split into its two ends. */
const SHAPE_ZERO = 0.01;
/** Dropout below this (a chance per purchase, or a share of customers leaving over the typical observed time) is "none". */
const NO_DROPOUT = 1e-3;

const pct = (v: number) => `${(100 * v).toPrecision(2)}%`;
const sig = (v: number) => Number(v.toPrecision(3)).toString();

/** The issues that make P(alive) uninformative: a candidate with one is chosen only when no sound one exists. */
export const disqualifying = (d: readonly Degeneracy[]) => d.some((x) => x.issue === 'no_dropout');

/** A history in which nobody bought twice says nothing about dropout, whatever the model. */
export function noRepeatDegeneracy(rows: readonly { x: number }[]): Degeneracy[] {
  return rows.length > 0 && rows.every((r) => r.x === 0)
    ? [{ issue: 'no_dropout', message: 'no customer has bought twice: purchase rates and dropout cannot be told apart, and P(alive) is not informative' }]
    : [];
}

/** BG/NBD and MBG/NBD: purchases gamma(r, alpha), a beta(a, b) chance of leaving after each purchase. */
export function bgFamilyDegeneracy(p: { r: number; a: number; b: number }): Degeneracy[] {
  const out: Degeneracy[] = [];
  const dropout = p.a / (p.a + p.b);
  if (dropout < NO_DROPOUT) {
    out.push({ issue: 'no_dropout', message: `the data show no dropout (a = ${sig(p.a)}, b = ${sig(p.b)}: a ${pct(dropout)} chance of leaving after a purchase): P(alive) is not informative` });
  } else if (p.a > SHAPE_INFINITY && p.b > SHAPE_INFINITY) {
    out.push({ issue: 'same_dropout', message: `every customer is given the same chance of leaving after a purchase (${pct(dropout)}; a and b run off to infinity)` });
  } else if (p.a < SHAPE_ZERO && p.b < SHAPE_ZERO) {
    out.push({ issue: 'all_or_nothing_dropout', message: `dropout is all or nothing (a = ${sig(p.a)}, b = ${sig(p.b)} run off to zero): each customer either leaves after a purchase or never does` });
  }
  if (p.r > SHAPE_INFINITY) out.push({ issue: 'same_purchase_rate', message: `every customer is given the same purchase rate (r = ${sig(p.r)} runs off to infinity)` });
  return out;
}

/** Pareto/NBD: purchases gamma(r, alpha), lifetimes exponential with a gamma(s, beta) rate; `typicalT` the mean observed time. */
export function paretoDegeneracy(p: { r: number; s: number; beta: number }, typicalT: number): Degeneracy[] {
  const out: Degeneracy[] = [];
  // The share of customers expected to leave within the typical observed time: 1 - (beta / (beta + T))^s.
  const leaving = -Math.expm1(-p.s * Math.log1p(typicalT / p.beta));
  if (leaving < NO_DROPOUT) {
    out.push({ issue: 'no_dropout', message: `the data show no dropout (s = ${sig(p.s)}, beta = ${sig(p.beta)}: ${pct(leaving)} of customers leave within the typical observed time): P(alive) is not informative` });
  } else if (p.s > SHAPE_INFINITY) {
    out.push({ issue: 'same_dropout', message: `every customer is given the same dropout rate (s = ${sig(p.s)} runs off to infinity)` });
  } else if (p.s < 5 * SHAPE_ZERO && p.beta < 1e-4 * typicalT) {
    out.push({ issue: 'all_or_nothing_dropout', message: `dropout is all or nothing (s = ${sig(p.s)}, beta = ${sig(p.beta)} run off to zero): some customers leave at once, the others never; the fit rests on the edge of the allowed range` });
  }
  if (p.r > SHAPE_INFINITY) out.push({ issue: 'same_purchase_rate', message: `every customer is given the same purchase rate (r = ${sig(p.r)} runs off to infinity)` });
  return out;
}

/** Gamma-Gamma: order values gamma(p, nu), nu gamma(q, gamma); its mean order value p gamma / (q - 1) needs q > 1. */
export function gammaGammaDegeneracy(p: { p: number; q: number }): Degeneracy[] {
  const out: Degeneracy[] = [];
  if (p.q <= 1) out.push({ issue: 'no_finite_mean_spend', message: `the spend model has no finite mean order value (q = ${sig(p.q)} <= 1): a new customer's expected order value falls back to the repeat customers' mean` });
  if (p.q > SHAPE_INFINITY) out.push({ issue: 'same_spend', message: `every customer is given the same mean order value (q = ${sig(p.q)} runs off to infinity)` });
  return out;
}
