import type { ActionEffect } from './buildActionEffects.js';

const points = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)}`;
const amount = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const count = (n: number) => n.toLocaleString('en-US');

/** Whether a measured action pays: its net value's interval lies below zero, or straddles it. */
export function verdict(e: ActionEffect): 'pays' | 'not_shown' | 'does_not_pay' | undefined {
  if (e.status !== 'measured' || e.net_value_per_contact_low === null || e.net_value_per_contact_high === null) return undefined;
  if (e.net_value_per_contact_low > 0) return 'pays';
  if (e.net_value_per_contact_high < 0 || (e.retention_uplift_high !== null && e.retention_uplift_high <= 0)) return 'does_not_pay';
  return 'not_shown';
}

/**
 * One action's effect in a marketer's words: what is known ("save: +6.1
 * points of retention, 90% interval +2.0 to +10.2, 1,240 contacted against
 * 140 controls") and what is not yet (the horizon has not passed, too few
 * controls), with the verdict on its cost.
 */
export function effectSentence(e: ActionEffect, currency: string, minGroup: number): string {
  const who = `${count(e.contacted)} contacted against ${count(e.controls)} control${e.controls === 1 ? '' : 's'}`;
  const run = `run as of ${e.as_of}`;
  if (e.status === 'horizon_not_passed') return `${e.action} (${run}): not measurable before ${e.measurable_from}, when its ${e.horizon_days}-day horizon has passed; ${who}.`;
  if (e.status === 'too_few_customers') {
    const short = e.controls < minGroup ? `${count(e.controls)} controls` : `${count(e.contacted)} contacted`;
    return `${e.action} (${run}): too few customers to measure (${short}; at least ${minGroup} needed on each side, scoring.effects.minGroup); ${who}.`;
  }
  const r = `${points(e.retention_uplift!)} points of retention, 90% interval ${points(e.retention_uplift_low!)} to ${points(e.retention_uplift_high!)}`;
  const s = `spend ${amount(e.spend_uplift!)} ${currency} per customer (${amount(e.spend_uplift_low!)} to ${amount(e.spend_uplift_high!)})`;
  const v = `net of its cost ${amount(e.net_value_per_contact!)} ${currency} per contact`;
  const judged = verdict(e);
  const tail = judged === 'pays' ? '' : judged === 'does_not_pay'
    ? ' Not paying for itself: stop or change this action.'
    : ' Not shown to pay for itself yet: the interval includes zero.';
  return `${e.action}: ${r}; ${s}; ${v}; ${who} (${run}).${tail}`;
}
