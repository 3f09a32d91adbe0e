import { html } from 'hono/html';
import type { Database, Row } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { effectSentence } from '../effects/actionEffectWords.js';
import { OVERALL_EFFECTS, type ActionEffect } from '../effects/buildActionEffects.js';
import { chart, money, num, page, pct, signedPct, type Html, type PublicationInfo } from './layout.js';

/** The latest measured effect of each action, newest publication first. */
export const LATEST_EFFECTS = `SELECT * FROM action_effects e WHERE ${OVERALL_EFFECTS} QUALIFY row_number() OVER (PARTITION BY action ORDER BY as_of DESC, run_id DESC) = 1 ORDER BY action`;

/** `/`: the month's KPIs and their trend, the tiers' share of value, today's actions, the last measured effects. */
export async function overviewPage(db: Database, info: PublicationInfo, minGroup: number): Promise<Html> {
  const months = (await db.all(readSql('publish/report_kpis.sql'))).reverse();
  const trend = (await db.all(readSql('publish/report_monthly.sql'))).reverse();
  const tiers = await db.all(readSql('publish/report_tiers.sql'));
  const head = (await db.one(readSql('publish/report_headline.sql')))!;
  const actions = await db.all(readSql('serve/overview_actions.sql'));
  const vips = (await db.one(readSql('serve/overview_vips.sql')))!;
  const effects = await db.all<ActionEffect & Row>(LATEST_EFFECTS);
  // Actions contacting customers with none held back: their effect will never be measured, which the page says.
  const uncontrolled = actions.filter((a) => Number(a.to_contact) > 0 && Number(a.controls) === 0).map((a) => String(a.action));
  // The month: the last whole one (the as-of month is usually partial).
  const month = [...months].reverse().find((m) => !m.is_partial_month) ?? months.at(-1);
  const cur = info.currency;
  const kpi = (label: string, value: string, note: Html | string = '') => html`<div class="kpi"><div class="label">${label}</div><div class="value">${value}</div><div class="note">${note}</div></div>`;
  const n = (v: unknown) => Number(v ?? 0);
  return page('Overview', 'overview', info, html`
<h1>Overview <small>as of ${info.asOf}</small></h1>
<section class="kpis" aria-label="Key figures">
${month ? html`
${kpi(`Revenue ${month.month}`, money(n(month.revenue), cur), html`${signedPct(month.mom_growth)} on the month before · ${signedPct(month.yoy_growth)} on a year before`)}
${kpi('Active customers', `${num(month.customers_active)} of ${num(month.customers_total)}`, `ordered in ${month.month}: ${pct(n(month.customers_active) / n(month.customers_total))}`)}
${kpi('Active VIPs', `${num(month.vips_active)} of ${num(month.vips_total)}`, `ordered in ${month.month}: ${pct(n(month.vips_active) / Math.max(1, n(month.vips_total)))}`)}
${kpi('Churn', pct(month.churn_rate), `of the customers with a purchase in the ${info.horizonDays} days before ${month.month} lapsed in it`)}` : html`<p>No monthly KPIs were published.</p>`}
${kpi('Lifetime value, 12 months', money(n(head.clv) / Math.max(1, n(head.customers)), cur), `a customer on average; ${money(n(head.clv), cur)} in all`)}
${kpi('Monthly growth (CMGR)', info.cmgr ? signedPct(info.cmgr.value) : '–', info.cmgr ? `revenue from ${info.cmgr.from.slice(0, 7)} to ${info.cmgr.to.slice(0, 7)}` : 'not enough months yet')}
${kpi('At-risk VIPs to contact', num(vips.to_contact), html`of ${num(vips.vips_at_risk)} VIPs at medium or high risk to save or win back; their value at stake (value if retained x churn) ${money(n(vips.at_stake), cur)} · <a href="/lists/at-risk-vip">the list →</a>`)}
</section>
<div class="charts">
${chart('Revenue by month, with the customers active each month', {
  type: 'bar', labels: trend.map((m) => m.month),
  datasets: [{ label: `Revenue (${cur})`, data: trend.map((m) => m.revenue), axis: 'y' }, { label: 'Active customers', data: trend.map((m) => m.customers_active), type: 'line', axis: 'y1' }],
})}
${chart('Share of historic value held by each value tier (1 = the top fifth of customers)', {
  type: 'bar', labels: tiers.map((t) => `Tier ${t.value_tier}`), percent: true,
  datasets: [{ label: 'Share of value', data: tiers.map((t) => t.share) }],
})}
</div>
<section><h2>Value tiers</h2><div class="scroll"><table><thead><tr><th>Tier</th><th class="n">Customers</th><th class="n">Historic value</th><th class="n">Share of value</th><th class="n">CLV, 12 months</th><th class="n">Mean churn</th></tr></thead><tbody>
${tiers.map((t) => html`<tr><td><a href="/lists/at-risk-vip?tier=${String(t.value_tier)}">Tier ${String(t.value_tier)}</a></td><td class="n">${num(t.customers)}</td><td class="n">${money(t.historic, cur)}</td><td class="n">${pct(t.share)}</td><td class="n">${money(t.clv, cur)}</td><td class="n">${pct(t.churn)}</td></tr>`)}
</tbody></table></div></section>
<section><h2>Actions proposed today</h2>
${chart('Expected value kept by contacting each action\'s customers', { type: 'bar', labels: actions.map((a) => a.action), horizontal: true, datasets: [{ label: `Value kept (${cur})`, data: actions.map((a) => a.value_kept ?? 0) }] })}
<div class="scroll"><table><thead><tr><th>Action</th><th class="n">To contact</th><th class="n">Controls</th><th class="n">Expected value kept</th></tr></thead><tbody>
${actions.map((a) => html`<tr><td><a href="/lists/${String(a.action)}">${String(a.action)}</a></td><td class="n">${num(a.to_contact)}</td><td class="n">${num(a.controls)}</td><td class="n">${money(a.value_kept, cur)}</td></tr>`)}
</tbody></table></div>
${uncontrolled.length ? html`<p class="problem">No control group for ${uncontrolled.join(', ')}: no customer was held back (a base too small for scoring.controlShare, or a share of 0), so what these contacts keep cannot be measured.</p>` : ''}</section>
<section><h2>What past actions kept</h2>
${effects.length ? html`<ul class="words">${effects.map((e) => html`<li>${effectSentence(e, cur, minGroup)}</li>`)}</ul>` : html`<p>No action has been measured yet: effects are measured once a publication's contacts have had their horizon (${info.horizonDays} days).</p>`}
<p><a href="/effects">Every measured effect →</a></p></section>`);
}
