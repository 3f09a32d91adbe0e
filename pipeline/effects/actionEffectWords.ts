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
 * controls) or never will be (no control group), with the verdict on its cost.
 */
export function effectSentence(e: ActionEffect, currency: string, minGroup: number): string {
  const who = `${count(e.contacted)} contacted against ${count(e.controls)} control${e.controls === 1 ? '' : 's'}`;
  const run = `run as of ${e.as_of}`;
  // An empty side (on a small base the control share can round to no customer) is said as such: waiting for the
  // horizon, or more customers in the same run, will not make it measurable.
  if (e.status !== 'measured' && (e.controls === 0 || e.contacted === 0)) {
    const none = e.controls === 0 ? 'no control group: no customer was held back from it' : 'no customer was contacted';
    return `${e.action} (${run}): ${none}, so its effect cannot be measured, now or after ${e.measurable_from}; ${who}.`;
  }
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

/** The effect a group row is judged on: on those reached where the contact rate is known, else of being proposed. */
function groupEffect(e: ActionEffect): { value: number; low: number; high: number; on: 'reached' | 'proposed' } | undefined {
  if (e.retention_uplift_on_contacted !== null && e.retention_uplift_on_contacted_low !== null && e.retention_uplift_on_contacted_high !== null) {
    return { value: e.retention_uplift_on_contacted, low: e.retention_uplift_on_contacted_low, high: e.retention_uplift_on_contacted_high, on: 'reached' };
  }
  if (e.retention_uplift !== null && e.retention_uplift_low !== null && e.retention_uplift_high !== null) {
    return { value: e.retention_uplift, low: e.retention_uplift_low, high: e.retention_uplift_high, on: 'proposed' };
  }
  return undefined;
}

/**
 * Whom each action works on, in words, from the persona rows of each
 * action's newest measured run (`rows`: action_effects, any order): the
 * personas whose 90% interval lies above zero (it keeps them), below zero
 * (it drives them away) and the others (no effect shown), each with its
 * effect on those reached (or of being proposed, where no contact was
 * recorded) and the personas too small to tell.
 */
export function whoItWorksOn(rows: readonly ActionEffect[]): string[] {
  const newest = new Map<string, ActionEffect>();
  for (const e of rows) {
    if (e.breakdown !== 'all' || e.status !== 'measured') continue;
    const seen = newest.get(e.action);
    if (!seen || e.as_of > seen.as_of || (e.as_of === seen.as_of && e.run_id > seen.run_id)) newest.set(e.action, e);
  }
  const out: string[] = [];
  for (const [action, all] of [...newest.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const groups = rows.filter((e) => e.breakdown === 'persona' && e.run_id === all.run_id && e.action === action);
    const judged = groups.filter((e) => e.status === 'measured').map((e) => ({ e, g: groupEffect(e)! })).filter((x) => x.g);
    if (!judged.length) continue;
    const say = (x: { e: ActionEffect; g: NonNullable<ReturnType<typeof groupEffect>> }) =>
      `${x.e.group_name} (${points(x.g.value)} points, ${points(x.g.low)} to ${points(x.g.high)})`;
    const works = judged.filter((x) => x.g.low > 0).sort((a, b) => b.g.value - a.g.value);
    const harms = judged.filter((x) => x.g.high < 0).sort((a, b) => a.g.value - b.g.value);
    const none = judged.filter((x) => x.g.low <= 0 && x.g.high >= 0);
    const parts: string[] = [];
    parts.push(works.length ? `works on ${works.map(say).join(', ')}` : 'is shown to work on no persona');
    if (none.length) parts.push(`no effect shown on ${none.map(say).join(', ')}`);
    if (harms.length) parts.push(`drives away ${harms.map(say).join(', ')}: do not contact them for it`);
    const small = groups.filter((e) => e.status === 'too_few_customers').map((e) => e.group_name);
    const on = judged.some((x) => x.g.on === 'reached') ? 'on those reached' : 'of being proposed (no contact recorded)';
    out.push(`${action} (run as of ${all.as_of}, retention ${on}, 90% intervals): ${parts.join('; ')}.${small.length ? ` Too few to tell: ${small.join(', ')}.` : ''}`);
  }
  return out;
}
