import { html } from 'hono/html';
import type { Database, Row } from '../db/Database.js';
import { effectSentence, verdict } from '../effects/actionEffectWords.js';
import { OVERALL_EFFECTS, type ActionEffect } from '../effects/buildActionEffects.js';
import { chart, money, num, page, pct, type Html, type PublicationInfo } from './layout.js';

/** `/personas`: each persona with its description and figures. */
export async function personasPage(db: Database, info: PublicationInfo): Promise<Html> {
  const personas = (await db.hasTable('personas')) ? await db.all('SELECT * FROM personas ORDER BY persona_id') : [];
  const cur = info.currency;
  return page('Personas', 'personas', info, html`
<h1>Personas <small>${num(personas.length)} buyer types</small></h1>
${personas.length ? chart('Share of customers and of value in each persona', {
  type: 'bar', labels: personas.map((p) => p.persona), percent: true, horizontal: true,
  datasets: [{ label: 'Customers', data: personas.map((p) => p.share_of_customers) }, { label: 'Value', data: personas.map((p) => p.share_of_value) }],
}, true) : html`<p>No personas were published (the base was too small to cluster).</p>`}
${personas.map((p: Row) => html`<section class="persona-card" id="persona-${String(p.persona_id)}"><h2>${String(p.persona)}</h2>
<p>${String(p.description)}</p>
<dl class="scores"><dt>Customers</dt><dd>${num(p.customers)} (${pct(p.share_of_customers)} of all; ${pct(p.share_of_value)} of the value)</dd>
<dt>Mean churn probability</dt><dd>${pct(p.mean_churn_probability)}</dd>
<dt>12-month value</dt><dd>${money(p.predicted_clv_12m, cur)}</dd>
<dt>Orders a year · basket</dt><dd>${num(p.orders_per_year, 1)} · ${money(p.avg_order_value, cur, 2)}</dd>
<dt>Mostly</dt><dd>${String(p.top_channel)} (${pct(p.top_channel_share, 0)}), ${String(p.top_category)} (${pct(p.top_category_share, 0)}), ${String(p.top_country ?? '–')}</dd>
<dt>Actions today</dt><dd>save ${num(p.save)} · surprise ${num(p.surprise)} · grow ${num(p.grow)} · nurture ${num(p.nurture)} · win back ${num(p.win_back)} · to contact ${num(p.contacted)}</dd></dl>
<p><a href="/lists/at-risk-vip?persona=${encodeURIComponent(String(p.persona))}">Its at-risk VIPs →</a></p></section>`)}`);
}

/** `/effects`: what each past action kept, with its interval, in words. */
export async function effectsPage(db: Database, info: PublicationInfo, minGroup: number): Promise<Html> {
  const effects = (await db.hasTable('action_effects')) ? await db.all<ActionEffect & Row>(`SELECT * FROM action_effects e WHERE ${OVERALL_EFFECTS} ORDER BY as_of DESC, run_id DESC, action`) : [];
  const measured = effects.filter((e) => e.status === 'measured');
  const latest = [...new Map(measured.map((e) => [e.action, e])).values()];
  return page('Effects', 'effects', info, html`
<h1>What past actions kept</h1>
<p class="lead">Each action's contacted customers against its control group (held back at random among those it would have contacted), once the horizon of ${info.horizonDays} days has passed: the retention and spend it added, with 90% intervals, and its value net of its cost.</p>
${latest.length ? chart('Retention added by each action (points, 90% interval)', {
  type: 'bar', labels: latest.map((e) => e.action), horizontal: true, interval: true,
  datasets: [{ label: 'Retention uplift (points)', data: latest.map((e) => [100 * e.retention_uplift_low!, 100 * e.retention_uplift_high!]) }],
}) : ''}
${effects.length ? html`<ul class="words">${effects.map((e) => html`<li class="${verdict(e) ?? 'pending'}">${effectSentence(e, info.currency, minGroup)}</li>`)}</ul>`
    : html`<p>No action has been measured yet. Effects appear here once a publication's contacts have had their ${info.horizonDays}-day horizon and a later run has measured them.</p>`}`);
}
