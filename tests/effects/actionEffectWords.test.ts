import { expect, test } from 'vitest';
import { effectSentence, verdict, whoItWorksOn } from '../../pipeline/effects/actionEffectWords.js';
import type { ActionEffect } from '../../pipeline/effects/buildActionEffects.js';

const base: ActionEffect = {
  run_id: 'r', as_of: '2026-06-30', action: 'save', horizon_days: 90, measurable_from: '2026-09-28', status: 'measured', contacted: 1240, controls: 140,
  retention_contacted: 0.5, retention_control: 0.439, retention_uplift: 0.061, retention_uplift_low: 0.02, retention_uplift_high: 0.102,
  spend_contacted: 80, spend_control: 68, spend_uplift: 12, spend_uplift_low: 3.5, spend_uplift_high: 20.5,
  net_value_per_contact: 8, net_value_per_contact_low: 0.5, net_value_per_contact_high: 15.5, net_value_total: 9920,
  save_rate: 0.109, save_rate_low: 0.036, save_rate_high: 0.18,
  breakdown: 'all', group_name: 'all', reached: 0, contact_rate: null,
  retention_uplift_on_contacted: null, retention_uplift_on_contacted_low: null, retention_uplift_on_contacted_high: null,
  retention_uplift_adjusted: 0.06, retention_uplift_adjusted_low: 0.025, retention_uplift_adjusted_high: 0.095, interval_narrowing: 0.15,
  retention_uplift_shrunk: null, retention_uplift_shrunk_low: null, retention_uplift_shrunk_high: null,
};

test('a measured effect in words, with its interval, counts and verdict; what is not known yet says why', () => {
  expect(effectSentence(base, 'EUR', 30)).toBe('save: +6.1 points of retention, 90% interval +2.0 to +10.2; spend +12.00 EUR per customer (+3.50 to +20.50); net of its cost +8.00 EUR per contact; 1,240 contacted against 140 controls (run as of 2026-06-30).');
  expect(verdict(base)).toBe('pays');
  const unclear = { ...base, net_value_per_contact_low: -3 };
  expect(verdict(unclear)).toBe('not_shown');
  expect(effectSentence(unclear, 'EUR', 30)).toMatch(/Not shown to pay for itself yet: the interval includes zero\.$/);
  const losing = { ...base, retention_uplift: -0.01, retention_uplift_low: -0.05, retention_uplift_high: 0.03, net_value_per_contact: -4, net_value_per_contact_low: -9, net_value_per_contact_high: -0.5 };
  expect(verdict(losing)).toBe('does_not_pay');
  expect(effectSentence(losing, 'EUR', 30)).toMatch(/^save: −1\.0 points of retention, 90% interval −5\.0 to \+3\.0;.* Not paying for itself: stop or change this action\.$/);
  const pending = { ...base, status: 'horizon_not_passed' as const, controls: 40 };
  expect(effectSentence(pending, 'EUR', 30)).toBe('save (run as of 2026-06-30): not measurable before 2026-09-28, when its 90-day horizon has passed; 1,240 contacted against 40 controls.');
  expect(verdict(pending)).toBeUndefined();
  // No control customer at all (a tiny base: the control share rounds to none): said as such, never as only "not yet".
  const uncontrolled = { ...pending, contacted: 3, controls: 0 };
  expect(effectSentence(uncontrolled, 'EUR', 30)).toBe('save (run as of 2026-06-30): no control group: no customer was held back from it, so its effect cannot be measured, now or after 2026-09-28; 3 contacted against 0 controls.');
  expect(effectSentence({ ...uncontrolled, status: 'too_few_customers' }, 'EUR', 30)).toBe('save (run as of 2026-06-30): no control group: no customer was held back from it, so its effect cannot be measured, now or after 2026-09-28; 3 contacted against 0 controls.');
  expect(effectSentence({ ...pending, contacted: 0, controls: 2 }, 'EUR', 30)).toBe('save (run as of 2026-06-30): no customer was contacted, so its effect cannot be measured, now or after 2026-09-28; 0 contacted against 2 controls.');
  expect(verdict(uncontrolled)).toBeUndefined();
  const few = { ...base, status: 'too_few_customers' as const, controls: 12 };
  expect(effectSentence(few, 'EUR', 30)).toBe('save (run as of 2026-06-30): too few customers to measure (12 controls; at least 30 needed on each side, scoring.effects.minGroup); 1,240 contacted against 12 controls.');
});

test('whom an action works on, in words: the personas it keeps, those it shows no effect on, those it drives away, and those too few to tell, from its newest measured run', () => {
  const group = (run: string, asOf: string, name: string, value: number, low: number, high: number, status: ActionEffect['status'] = 'measured'): ActionEffect => ({
    ...base, run_id: run, as_of: asOf, breakdown: 'persona', group_name: name, status, contact_rate: 0.8,
    retention_uplift_on_contacted: value, retention_uplift_on_contacted_low: low, retention_uplift_on_contacted_high: high,
  });
  const rows: ActionEffect[] = [
    { ...base, run_id: 'r1', as_of: '2026-03-31' },
    group('r1', '2026-03-31', 'Loyal regulars', -0.15, -0.22, -0.08),
    group('r1', '2026-03-31', 'Bargain hunters', 0.24, 0.17, 0.31),
    group('r1', '2026-03-31', 'Big baskets', 0.01, -0.06, 0.08),
    group('r1', '2026-03-31', 'Newcomers', 0, 0, 0, 'too_few_customers'),
    // An older run of the same action is not the one said.
    { ...base, run_id: 'r0', as_of: '2025-12-31' },
    group('r0', '2025-12-31', 'Big baskets', 0.3, 0.2, 0.4),
    // Not measured: says nothing.
    { ...base, action: 'grow', status: 'horizon_not_passed' },
  ];
  expect(whoItWorksOn(rows)).toEqual([
    'save (run as of 2026-03-31, retention on those reached, 90% intervals): works on Bargain hunters (+24.0 points, +17.0 to +31.0); '
      + 'no effect shown on Big baskets (+1.0 points, −6.0 to +8.0); drives away Loyal regulars (−15.0 points, −22.0 to −8.0): do not contact them for it. Too few to tell: Newcomers.',
  ]);
  // Without recorded contacts the effect of being proposed is what is judged, and said so.
  const proposed = rows.slice(0, 4).map((e) => (e.breakdown === 'persona' ? { ...e, contact_rate: null, retention_uplift_on_contacted: null, retention_uplift_on_contacted_low: null, retention_uplift_on_contacted_high: null } : e));
  expect(whoItWorksOn(proposed)[0]).toMatch(/^save \(run as of 2026-03-31, retention of being proposed \(no contact recorded\), 90% intervals\): works on Loyal regulars \(\+6\.1 points, \+2\.0 to \+10\.2\), Bargain hunters \(\+6\.1 points/);
});
