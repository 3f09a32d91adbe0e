import { html } from 'hono/html';
import type { Database, Row } from '../db/Database.js';
import { chart, money, num, page, pct, type Html, type PublicationInfo } from './layout.js';

/** What the working database adds to a customer's page; `busy` while a run holds it. */
export interface CustomerActivity {
  orders: Row[];
  contacts: Row[];
  busy?: string;
}

const CONTACT_BLOCKED: Record<string, string> = {
  opted_out: 'not contacted: the customer opted out',
  control: 'held back in the control group, to measure what the action keeps',
  cooldown: 'not contacted: contacted recently (cooldown)',
  budget: 'not contacted: beyond this run\'s budget',
};

const FAMILY: Record<string, string> = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD', pareto: 'Pareto/NBD', neural: 'the network', rf_table: 'the recency-frequency table' };

/** A model's name for a reader: BG/NBD, MBG/NBD (penalized), the network... */
export function modelLabel(name: string): string {
  const penalized = name.endsWith('_penalized');
  const family = penalized ? name.slice(0, -'_penalized'.length) : name;
  return `${FAMILY[family] ?? family}${penalized ? ' (penalized)' : ''}`;
}

/** The possessive of a model's label: "BG/NBD's", "the network's". */
const whose = (name: string) => `${modelLabel(name)}'s`;

/** The published scores of one customer, or undefined when the publication does not hold them. */
export async function customerScores(db: Database, id: string): Promise<{ scores: Row; history: Row[]; country: string | null } | undefined> {
  const scores = await db.one('SELECT * FROM customer_scores WHERE customer_id = $id', { id });
  if (!scores) return undefined;
  const history = (await db.hasTable('customer_scores_history'))
    ? await db.all('SELECT as_of, run_id, churn_probability, churn_risk, predicted_clv_12m, value_tier, is_vip, segment, action, contact, is_control FROM customer_scores_history WHERE customer_id = $id ORDER BY as_of DESC, run_id DESC', { id })
    : [];
  const country = (await db.hasTable('customers')) ? ((await db.value<string | null>('SELECT country FROM customers WHERE customer_id = $id', { id })) ?? null) : null;
  return { scores, history, country };
}

/**
 * `/customers/<id>`: the order history on a time line, the scores with their intervals, the reasons, the action and why, the contacts.
 * The published figures come first, each named with the model it is from (churn_probability the churn champion's,
 * predicted_clv_12m the value champion's); the purchase model's P(alive) and expected purchases are shown apart,
 * under its name, and an interval stands beside a figure only when it is that figure's own model's: the network's
 * 12-month value has none (the published p10/p90 are the purchase model's spread scaled onto it).
 */
export function customerPage(s: { scores: Row; history: Row[]; country: string | null }, activity: CustomerActivity, info: PublicationInfo): Html {
  const r = s.scores;
  const cur = info.currency;
  const id = String(r.customer_id);
  const interval = (v: unknown, lo: unknown, hi: unknown, fmt: (x: unknown) => string) => html`${fmt(v)}${typeof lo === 'number' && typeof hi === 'number' ? html` <span class="range">(80% interval ${fmt(lo)} to ${fmt(hi)})</span>` : ''}`;
  const m = (v: unknown) => money(v, cur);
  const models = info.models;
  // The value's interval is its own model's only when the value champion is the purchase model (or, in a publication
  // that does not name its models, as published).
  const ownInterval = !models || models.value === models.purchase;
  const purchase = models ? whose(models.purchase) : "The purchase model's";
  const clvNote = ownInterval
    ? (typeof r.predicted_clv_12m_p10 === 'number' ? `80% interval ${m(r.predicted_clv_12m_p10)} to ${m(r.predicted_clv_12m_p90)}${models ? ` (${modelLabel(models.value)}, the value champion)` : ''}` : '')
    : `from the value champion, ${modelLabel(models.value)}, which gives no interval of its own`;
  const action = String(r.action);
  const why = action === 'none' ? 'no action proposed for this customer today'
    : r.contact ? `to contact for "${action}" (priority ${num(r.action_priority)} within it), expected to keep ${money(r.expected_value_retained, cur)}`
      : `"${action}" proposed, ${CONTACT_BLOCKED[String(r.contact_blocked_by)] ?? 'not contacted'}`;
  const orders = activity.orders;
  return page(`Customer ${id}`, '', info, html`
<h1>Customer <span class="id">${id}</span> ${r.is_vip ? html`<span class="tag">VIP</span>` : ''} ${r.is_ambassador ? html`<span class="tag">ambassador</span>` : ''}</h1>
<section class="kpis">
<div class="kpi"><div class="label">Churn probability (${info.horizonDays} days)</div><div class="value">${pct(r.churn_probability, 0)}</div><div class="note">risk ${String(r.churn_risk)}; from the churn champion${models ? `, ${modelLabel(models.churn)}` : ''}</div></div>
<div class="kpi"><div class="label">Value, next 12 months</div><div class="value">${m(r.predicted_clv_12m)}</div><div class="note">${clvNote}</div></div>
<div class="kpi"><div class="label">Spent to date</div><div class="value">${m(r.historic_value)}</div><div class="note">${num(r.orders_count)} orders; the last ${num(r.days_since_last_order)} days ago</div></div>
<div class="kpi"><div class="label">Tier · segment</div><div class="value">Tier ${String(r.value_tier)}</div><div class="note">${String(r.segment)}${s.country ? ` · ${s.country}` : ''}</div></div>
</section>
<section><h2>Action</h2><p class="lead"><strong>${action}</strong>: ${why}.</p>
<p>${r.is_control ? 'In the control group of this publication: not to be contacted, so that the action\'s effect can be measured.' : 'Not in the control group.'}</p></section>
<section><h2>Why this churn score</h2><p>${String(r.reasons ?? 'no reasons were published')}</p>
<p>Persona: <strong>${String(r.persona ?? 'none')}</strong>${r.persona_id !== null && r.persona_id !== undefined ? html` (<a href="/personas#persona-${String(r.persona_id)}">what sets it apart</a>)` : ''}.</p></section>
<section><h2>Scores</h2><dl class="scores">
<dt>Predicted spend (${info.horizonDays} days)</dt><dd>${m(r.predicted_value)}</dd>
<dt>12-month value</dt><dd>${ownInterval ? interval(r.predicted_clv_12m, r.predicted_clv_12m_p10, r.predicted_clv_12m_p90, m) : html`${m(r.predicted_clv_12m)} <span class="range">(${modelLabel(models.value)}: no interval of its own)</span>`}</dd>
<dt>${purchase} P(alive)</dt><dd>${pct(r.p_alive, 1)} <span class="range">(${models && models.churn === models.purchase ? 'the churn champion too' : 'the purchase model\'s view, not the published churn probability'})</span></dd>
<dt>${purchase} expected purchases (${info.horizonDays} days)</dt><dd>${interval(r.expected_purchases, r.expected_purchases_p10, r.expected_purchases_p90, (v) => num(v, 2))}</dd>
<dt>${purchase} value if retained</dt><dd>${m(r.value_if_retained)} <span class="range">(12 months if the customer stays: its 12-month value over its P(alive))</span></dd>
<dt>Value at risk</dt><dd>${m(r.value_at_risk)}</dd>
<dt>Expected next order</dt><dd>${String(r.expected_next_order_date ?? '–')}</dd>
<dt>RFM</dt><dd>R ${String(r.r_score)} · F ${String(r.f_score)} · M ${String(r.m_score)}</dd>
${r.referred_customers ? html`<dt>Customers referred</dt><dd>${num(r.referred_customers)} (worth ${m(r.referred_value)})</dd>` : ''}
</dl></section>
<section><h2>Orders</h2>
${activity.busy ? html`<p class="problem">${activity.busy}</p>` : orders.length ? html`
${chart(`Orders of ${id} over time (${cur}; refunds below zero)`, { type: 'bar', time: true, asOf: info.asOf, labels: orders.map((o) => o.order_date), datasets: [{ label: `Amount (${cur})`, data: orders.map((o) => o.amount) }] })}
<div class="scroll"><table class="compact"><thead><tr><th>Day</th><th>Order</th><th class="n">Amount</th><th>Category</th><th>Channel</th></tr></thead><tbody>
${[...orders].reverse().map((o) => html`<tr><td>${String(o.order_date)}</td><td>${String(o.order_id)}</td><td class="n">${money(o.amount, String(o.currency ?? cur), 2)}</td><td>${String(o.category ?? '')}</td><td>${String(o.channel ?? '')}</td></tr>`)}
</tbody></table></div>` : html`<p>No orders in the working database for this customer.</p>`}</section>
<section><h2>Contacts</h2>
${activity.contacts.length ? html`<div class="scroll"><table><thead><tr><th>Day</th><th>Campaign</th><th>List</th><th>Channel</th><th class="n">Cost</th></tr></thead><tbody>
${activity.contacts.map((c) => html`<tr><td>${String(c.contacted_on)}</td><td>${String(c.campaign)}</td><td>${String(c.list_name)}</td><td>${String(c.channel)}</td><td class="n">${money(c.cost_per_contact, String(c.currency ?? cur), 2)}</td></tr>`)}
</tbody></table></div>` : html`<p>No campaign recorded for this customer.</p>`}
<h3>Proposed in each publication</h3>
<div class="scroll"><table><thead><tr><th>As of</th><th>Action</th><th>Contact</th><th>Control</th><th class="n">Churn</th><th class="n">CLV 12m</th><th>Tier</th><th>Segment</th></tr></thead><tbody>
${s.history.map((h) => html`<tr><td>${String(h.as_of)}</td><td>${String(h.action)}</td><td>${h.contact ? 'yes' : 'no'}</td><td>${h.is_control ? 'yes' : 'no'}</td><td class="n">${pct(h.churn_probability, 0)}</td><td class="n">${m(h.predicted_clv_12m)}</td><td>${String(h.value_tier)}</td><td>${String(h.segment)}</td></tr>`)}
</tbody></table></div></section>`);
}
