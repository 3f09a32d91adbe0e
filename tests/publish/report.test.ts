import { expect, test } from 'vitest';
import { renderReport, type ReportContext } from '../../pipeline/publish/report.js';
import type { ReportData } from '../../pipeline/publish/reportData.js';

const data: ReportData = {
  head: { customers: 1200, vips: 80, vips_at_risk: 12, value_at_risk: 34567.8, clv: 99999.4, mean_churn: 0.4 },
  tiers: [{ value_tier: 1, customers: 240, historic: 5000, share: 0.7, clv: 6000, churn: 0.2 }],
  actions: [{ action: 'save', customers: 40, var: 1000, clv: 4000 }],
  atRisk: [
    { customer_id: '<img src=x onerror=alert(1)>', churn_probability: 0.8, predicted_clv_12m: 900, value_at_risk: 720, days_since_last_order: 120, segment: 'at_risk', reasons: 'no order for 120 days', contact: true, contact_blocked_by: null },
    { customer_id: 'C-CONTROL', churn_probability: 0.7, predicted_clv_12m: 800, value_at_risk: 560, days_since_last_order: 100, segment: 'at_risk', reasons: 'no order for 100 days', contact: false, contact_blocked_by: 'control' },
  ],
  kpis: [{ month: '2026-09', revenue: 1234.5, orders: 10, customers_active: 9, customers_total: 100, vips_active: 3, vips_total: 8, churn_rate: 0.1, mom_growth: null, yoy_growth: 0.25, is_partial_month: true }],
  rejects: [{ kind: 'orders', reason_class: 'amount_not_a_number', lines: 3, example_line: 12, example_reason: "amount 'x' is not a number" }],
  transitions: [],
  vipsToHigh: [],
  effects: [],
  effectGroups: [],
  ambassadors: [{ customer_id: 'amb<1>', value_score: 5000, referred_customers: 3, referred_value: 1200, predicted_clv_12m: 3000, orders_count: 9, days_since_last_order: 12, segment: 'champions', ambassadors: 37, referrers: 5, share_of_customers: 0.0074, share_of_value: 0.081 }],
  personas: [
    { persona_id: 1, persona: 'weekday web buyers', description: 'weekday web buyers: 11% of purchase days on a weekend (everyone: 39%)', customers: 700, share_of_customers: 0.5833, share_of_value: 0.61, mean_churn_probability: 0.42, save: 20, surprise: 0, grow: 31, nurture: 0, win_back: 2, contacted: 40, ambassadors: 9 },
    { persona_id: 2, persona: 'discount-driven <app> buyers', description: 'discount-driven <app> buyers: 83% of purchases discounted', customers: 500, share_of_customers: 0.4167, share_of_value: 0.39, mean_churn_probability: 0.5, save: 20, surprise: 5, grow: 0, nurture: 0, win_back: 0, contacted: 22, ambassadors: 1 },
  ],
  segmentPersonas: [
    { segment: 'champions', persona_id: 1, persona: 'weekday web buyers', customers: 30, share_of_segment: 0.75 },
    { segment: 'champions', persona_id: 2, persona: 'discount-driven <app> buyers', customers: 10, share_of_segment: 0.25 },
    { segment: 'lost', persona_id: 2, persona: 'discount-driven <app> buyers', customers: 50, share_of_segment: 1 },
  ],
  personaChoice: [{ k: 4, silhouette: 0.21, chosen: false, fitted_on: 1200 }, { k: 5, silhouette: 0.25, chosen: true, fitted_on: 1200 }],
  monthly: [{ month: '2026-08', revenue: 1000, customers_active: 8, vips_active: 2 }, { month: '2026-09', revenue: 1234.5, customers_active: 9, vips_active: 3 }],
  concentration: [{ customers: 0.5, value: 0.9 }, { customers: 1, value: 1 }],
};
const ctx: ReportContext = {
  runId: 'r1', asOf: '2026-09-30', horizonDays: 90, currency: 'EUR', modelVersion: 'fidelio-abc', cmgr: 0.0123, minGroup: 30,
  metrics: {
    churn: { model: 'bgnbd', auc: 0.8, recency_baseline_auc: 0.85 }, candidates: { churn: { bgnbd: { auc: 0.8, log_loss: 0.4 } }, value: { bgnbd: { normalized_gini: 0.5, spearman: 0.4, decile_mape: 0.3 } } },
    value: { model: 'bgnbd' },
    baselines: { historic_value: { normalized_gini: 0.6, spearman: 0.5, decile_mape: 1.2, beaten_by: [] } },
    flagged: [{ model: 'neural', why: 'its mean absolute error per customer (445.12) is worse than the mean spend for everyone (195.85)' }],
    btyd_model: {
      model: 'bgnbd_penalized', reason: 'bgnbd_penalized: the highest holdout likelihood of the sound candidates (bgnbd scored higher but leave P(alive) uninformative)',
      candidates: {
        bgnbd: { holdout_log_likelihood: -6.4, sound: false, degenerate: ['the data show no dropout (a = 0.0192, b = 72.9: a 0.026% chance of leaving after a purchase): P(alive) is not informative'] },
        bgnbd_penalized: { holdout_log_likelihood: -6.44, sound: true, degenerate: [] },
      },
    },
    btyd: { season: { months: [0.78, 0.66, 0.81, 0.81, 0.87, 0.85, 0.82, 0.86, 1.29, 1.52, 1.64, 1.08], years: 2, weight: 0.889 } },
  },
};

test('the report is one self-contained page: every section, figures formatted, every value escaped', () => {
  const html = renderReport(data, ctx);
  for (const heading of ['Value concentration by tier', 'Actions', 'VIPs most worth saving: to contact', 'Since the last run', 'Did the actions work?', 'Ambassadors', 'Buyer personas', 'Monthly KPIs', 'Model quality on the latest held-out period', 'Data quality']) {
    expect(html).toContain(`<h2>${heading}</h2>`);
  }
  expect(html).toContain('<div class="card">Customers<b>1,200</b></div>');
  expect(html).toContain('<div class="card">CMGR<b>1.2%</b></div>');
  expect(html).toContain('2026-09 (partial)');
  expect(html).toContain('amounts in EUR');
  expect(html).toContain('<td class="l">amount_not_a_number</td><td class="r">3</td><td class="r">12</td>');
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(html).not.toContain('<img');
  expect(html).not.toMatch(/<script|<link|src="http/);
  expect(html).toContain('No earlier run to compare with');
  expect(html).toContain('37 customers (0.7% of all, 8.1% of the value score) to invite into a refer-a-friend programme');
  expect(html).toContain('<td class="l">amb&lt;1&gt;</td><td class="r">5,000</td><td class="r">3</td><td class="r">1,200</td><td class="r">3,000</td>');
  expect(html).toContain('5 of them have already referred customers, whose value is credited to them (referred value).');
  // Personas: the criterion with each k's figure, each persona's actions, a segment's mix with a persona it lacks.
  expect(html).toContain('the number chosen by the highest mean silhouette among 4 to 5 (4: 0.21, 5: 0.25) on a seeded sample of 1,200 customers');
  expect(html).toContain('<li>discount-driven &lt;app&gt; buyers: 83% of purchases discounted</li>');
  expect(html).toContain('<td class="l">weekday web buyers</td><td class="r">700</td><td class="r">58.3%</td><td class="r">61.0%</td><td class="r">42.0%</td><td class="l">save 20, grow 31, win back 2</td><td class="r">40</td><td class="r">9</td>');
  expect(html).toContain('<td class="l">lost</td><td class="r">50</td><td class="r">0.0%</td><td class="r">100.0%</td>');
  // The champion below recency alone is said plainly.
  expect(html).toContain('the churn champion is not above recency alone');
  expect((html.match(/<svg /g) ?? []).length).toBe(4);
});

test('the lists a marketer works from hold only customers to contact; the held-back ones are apart, with why', () => {
  const html = renderReport(data, ctx);
  const toContact = html.slice(html.indexOf('<h2>VIPs most worth saving: to contact</h2>'), html.indexOf('<h3>VIPs to save, held back'));
  expect(toContact).toContain('&lt;img src=x onerror=alert(1)&gt;');
  expect(toContact).not.toContain('C-CONTROL');
  const heldBack = html.slice(html.indexOf('<h3>VIPs to save, held back'), html.indexOf('<h2>Since the last run</h2>'));
  expect(heldBack).toContain('<td class="l">C-CONTROL</td>');
  expect(heldBack).toContain('control group: left untouched to measure what the action does');
});

test('the model section says which purchase model was chosen and why, what the data leave undetermined, the season, and the baselines', () => {
  const html = renderReport(data, ctx);
  expect(html).toContain('<td class="l">bgnbd_penalized (chosen)</td>');
  expect(html).toContain('the data show no dropout (a = 0.0192, b = 72.9: a 0.026% chance of leaving after a purchase): P(alive) is not informative');
  expect(html).toContain('bgnbd scored higher but leave P(alive) uninformative');
  expect(html).toContain('Seasonal profile, learnt from 2.0 years of history');
  expect(html).toContain('Nov 1.64');
  expect(html).toContain('historic value alone (baseline)');
  expect(html).toContain('no value model ranks next-period spend better than historic value alone');
  expect(html).toContain('Left out of the choice: neural, its mean absolute error per customer (445.12) is worse than the mean spend for everyone (195.85).');
});
