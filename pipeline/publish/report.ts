import { effectSentence, verdict, whoItWorksOn } from '../effects/actionEffectWords.js';
import { ACTIONS, type ActionRate } from '../shared/actionRate.js';
import type { ModelMetrics } from '../shared/modelMetrics.js';
import type { ActionEffect } from '../effects/buildActionEffects.js';
import type { ReportData, Transition } from './reportData.js';
import { glossarySection } from './glossary.js';
import { barChart, lineChart } from './svgCharts.js';

const esc = (v: unknown) =>
  String(v ?? '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const money = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '');
const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const num = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');

/** A table; `wrap` lets its headers and text cells wrap (a wide table of long names fits the page instead of being cut). */
function table(headers: string[], rows: unknown[][], align: ('l' | 'r')[] = [], wrap = false): string {
  const th = headers.map((h, i) => `<th class="${align[i] ?? 'l'}">${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td class="${align[i] ?? 'l'}">${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table${wrap ? ' class="wrap"' : ''}><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

export interface ReportContext {
  runId: string;
  asOf: string;
  horizonDays: number;
  /** The currency of every amount shown. */
  currency: string;
  modelVersion: string;
  /** The backtest (model_metrics.json: shared/modelMetrics.ts). */
  metrics: ModelMetrics;
  cmgr: number | null;
  /** scoring.effects.minGroup: below it an action's effect is not measured. */
  minGroup: number;
  /** The budget's rate per action this run (the score stage's). */
  actionRates?: readonly ActionRate[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The purchase-model choice, what each fit leaves undetermined, and the season the projections follow. */
function purchaseModelPart(m: ModelMetrics): string {
  const b = m.btyd_model;
  if (!b) return '';
  const chosen = b.candidates[b.model];
  const season = m.btyd?.season;
  const seasonWords = season?.short
    ? `Seasonal profile, learnt from ${season.short.seen.length} whole months (${esc(season.from?.slice(0, 7))} to ${esc(season.to?.slice(0, 7))}: under a year, each quarter's lift from the months of it seen, shrunk toward none): ${season.months.map((v, i) => `${MONTHS[i]} ${num(v, 2)}`).join(' · ')}; the base's recent level ${num(season.short.level, 3)}. The projections count a day of each month as that many days, at that level.`
    : season
      ? `Seasonal profile, learnt from ${num(season.years, 1)} years of history (kept at ${pct(season.weight)} of its strength, the rest flat): ${season.months.map((v, i) => `${MONTHS[i]} ${num(v, 2)}`).join(' · ')}. The projections count a day of each month as that many days.`
      : 'No seasonal profile: too short a history (under three whole months) or turned off, so the projections assume a steady year.';
  return `<h3>Purchase model (P(alive), expected purchases, the CLV's time profile)</h3>
<p class="muted">Chosen on the holdout likelihood: how probable each candidate, fitted before the holdout, made what customers then did (higher is better). A fit that the data push to a boundary is not sound: its P(alive) says nothing.</p>
${table(['candidate', 'holdout log-likelihood per customer', 'sound', 'what the data leave undetermined'],
  Object.entries(b.candidates).map(([name, c]) => [name === b.model ? `${name} (chosen)` : name, num(c.holdout_log_likelihood, 4), c.sound ? 'yes' : 'no', c.degenerate.join('; ')]),
  ['l', 'r', 'l', 'l'])}
<p>${esc(b.reason)}.</p>
${chosen && !chosen.sound ? `<p class="warn">Warning: ${esc(chosen.degenerate[0] ?? 'the purchase model is not sound')}. Read p_alive as uninformative; churn_probability comes from the churn model.</p>` : ''}
<p class="muted">${seasonWords}</p>
${m.season_ahead ? `<p class="warn">${esc(m.season_ahead.words)}.</p>` : ''}`;
}

/** The aggregate level on the holdout: the champions' total spend and mean churn against the naive baselines. */
function aggregatePart(m: ModelMetrics): string {
  const a = m.aggregate;
  if (!a) return '';
  const valueModel = m.value.model;
  const churnModel = m.churn.model;
  const v = valueModel ? a.value[valueModel] : undefined;
  const c = churnModel ? a.churn[churnModel] : undefined;
  const base = (k: 'repeats' | 'last_year_trend') => a.baselines[k];
  const rows: unknown[][] = [
    ['what the holdout\'s customers did', money(a.actual_spend), '1.00', pct(a.observed_churn)],
    ...(v || c ? [[`the champions (${valueModel ?? '–'}, ${churnModel ?? '–'})`, v ? money(v.spend) : '–', v ? num(v.spend_ratio, 2) : '–', c ? pct(c.mean) : '–']] : []),
    ...(base('repeats') ? [['the last horizon repeating (baseline)', money(base('repeats')!.spend), num(base('repeats')!.spend_ratio, 2), pct(base('repeats')!.churn)]] : []),
    ...(base('last_year_trend') ? [['the same period last year x the trend (baseline)', money(base('last_year_trend')!.spend), num(base('last_year_trend')!.spend_ratio, 2), pct(base('last_year_trend')!.churn)]] : []),
  ];
  const missing = a.baselines.last_year_trend_missing ?? null;
  return `<h3>The aggregate level: the holdout's total spend and churn</h3>
<p class="muted">What the ${a.customers.toLocaleString('en-US')} customers of the holdout spent in it and the share who did not buy, against the champions' forecasts and the forecasts that need no model.</p>
${table(['forecast', 'spend', 'of the actual', 'churn'], rows, ['l', 'r', 'r', 'r'])}
${missing ? `<p class="muted">No same-period-last-year baseline: ${esc(missing)}.</p>` : ''}
${a.worse_than_baselines.map((w) => `<p class="warn">Warning: ${esc(w)}.</p>`).join('\n')}`;
}

const PALETTE = ['#3b6fd6', '#d6863b', '#4c9a5a', '#8a5ad6'];

function valueCharts(d: ReportData): string {
  const tiers = barChart('Share of historic value by value tier', d.tiers.map((t) => ({ label: `tier ${t.value_tier}`, value: t.share as number })), { xLabel: 'value tier (1 = top fifth)', yLabel: 'share of value', yPercent: true });
  const concentration = lineChart('Share of value by share of customers, most valuable first', [
    { name: 'customers', color: PALETTE[0]!, points: [[0, 0], ...d.concentration.map((c) => [c.customers, c.value] as [number, number])] },
    { name: 'equal shares', color: '#aab', dashed: true, points: [[0, 0], [1, 1]] },
  ], { xLabel: 'share of customers', yLabel: 'share of historic value', xPercent: true, yPercent: true, xRange: [0, 1], yRange: [0, 1] });
  return `${tiers}\n${concentration}`;
}

function monthlyCharts(d: ReportData): string {
  const revenue = barChart('Net revenue by month', d.monthly.map((k) => ({ label: k.month, value: k.revenue })), { xLabel: 'month', yLabel: 'revenue', everyNthLabel: 3 });
  const active = lineChart('Active customers and active VIPs by month', [
    { name: 'active customers', color: PALETTE[0]!, points: d.monthly.map((k, i) => [i, k.customers_active]) },
    { name: 'active VIPs', color: PALETTE[1]!, points: d.monthly.map((k, i) => [i, k.vips_active]) },
  ], { xLabel: `months, ${d.monthly[0]?.month ?? ''} to ${d.monthly.at(-1)?.month ?? ''}`, yLabel: 'customers' });
  return `${revenue}\n${active}`;
}

function modelCharts(m: ModelMetrics): { gain: string; calibration: string } {
  const churn = m.churn;
  return {
    gain: churn?.gain
      ? lineChart('Gain: churners caught by targeting the riskiest first (held-out horizon)', [
          // A share that was not a number (no churner in the holdout) is null in the file: drawn at 0.
          ...Object.entries(churn.gain).map(([name, points], i) => ({ name, color: PALETTE[i % PALETTE.length]!, points: points.map(([x, y]) => [x ?? 0, y ?? 0] as [number, number]) })),
          { name: 'random', color: '#aab', dashed: true, points: [[0, 0], [1, 1]] as [number, number][] },
        ], { xLabel: 'share of customers targeted', yLabel: 'share of churners caught', xPercent: true, yPercent: true, xRange: [0, 1], yRange: [0, 1] })
      : '',
    calibration: churn?.calibration
      ? lineChart('Calibration: predicted against observed churn, by decile (held-out horizon)', [
          ...Object.entries(churn.calibration_by_model ?? { [churn.model ?? 'champion']: churn.calibration }).map(([name, rows], i) => ({
            name: name === churn.model ? `${name} (champion)` : name, color: PALETTE[i % PALETTE.length]!,
            points: rows.map((r) => [r.mean_predicted, r.observed_rate] as [number, number]),
          })),
          { name: 'perfect', color: '#aab', dashed: true, points: [[0, 0], [1, 1]] },
        ], { xLabel: 'predicted churn probability', yLabel: 'observed churn rate', xPercent: true, yPercent: true, xRange: [0, 1], yRange: [0, 1], markers: true })
      : '',
  };
}

const STYLE = `<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1240px;padding:16px;color:#1d2433}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #dde;padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 150px;background:#f3f5fa;border-radius:8px;padding:10px}
.card b{display:block;font-size:1.4em}.chart{width:100%;max-width:720px;height:auto;display:block;margin:8px 0}table{border-collapse:collapse;width:100%;font-size:.9em;display:block;overflow-x:auto}
th,td{padding:4px 8px;border-bottom:1px solid #eee;white-space:nowrap}td.l,th.l{text-align:left}td.r,th.r{text-align:right}
td:last-child{white-space:normal;min-width:260px}.muted{color:#667}.warn{color:#a33;font-weight:600}
table.wrap th,table.wrap td.l{white-space:normal;min-width:0}table.wrap th{vertical-align:bottom}table.wrap td:last-child{min-width:0}
dl.glossary{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;font-size:.92em}dl.glossary dt{font-weight:600}dl.glossary dd{margin:0}
@media (max-width:640px){dl.glossary{grid-template-columns:1fr}dl.glossary dd{margin:0 0 6px 0}td:last-child{min-width:180px}
table.wrap th,table.wrap td.l{white-space:nowrap}table.wrap td.l:last-child{white-space:normal;min-width:220px}}
</style>`;

function headline(d: ReportData, ctx: ReportContext): string {
  const h = d.head;
  // A choice no candidate won on its merit (none beat a constant on the holdout) is said on the first screen, not only in the model section.
  const choice = ctx.metrics.choice;
  return `<h1>Customer value and churn report</h1>
<p class="muted">As of ${esc(ctx.asOf)} · horizon ${ctx.horizonDays} days · amounts in ${esc(ctx.currency)} · model ${esc(ctx.modelVersion)} · run ${esc(ctx.runId)}</p>
${[choice?.churn.warning, choice?.value.warning].filter((w): w is string => !!w).map((w) => `<p class="warn" role="alert">Warning: ${esc(w)} (see the model quality section below).</p>`).join('\n')}
<div class="cards">
<div class="card">Customers<b>${money(h.customers)}</b></div>
<div class="card">VIPs<b>${money(h.vips)}</b></div>
<div class="card">VIPs at risk<b>${money(h.vips_at_risk)}</b></div>
<div class="card">12-month CLV<b>${money(h.clv)}</b></div>
<div class="card">Value at risk, all customers<b>${money(h.value_at_risk)}</b></div>
<div class="card">CMGR<b>${pct(ctx.cmgr)}</b></div>
</div>`;
}

function valueSection(d: ReportData): string {
  return `<h2>Value concentration by tier</h2>
${valueCharts(d)}
${table(['tier', 'customers', 'historic value', 'share of value', '12-month CLV', 'mean churn probability'],
  d.tiers.map((t) => [t.value_tier, t.customers, money(t.historic), pct(t.share), money(t.clv), pct(t.churn)]), ['l', 'r', 'r', 'r', 'r', 'r'])}`;
}

/** Why a customer given an action is not to be contacted, in words. */
const HELD_BACK: Record<string, string> = {
  control: 'control group: left untouched to measure what the action does',
  opted_out: 'opted out of contact',
  cooldown: 'contacted by an earlier run within the cooldown',
  negative_uplift: 'the action would make them likelier to leave (its uplift model)',
  budget: 'beyond the budget',
};

/** A list's column as the report heads it (the CLI's column name is in the glossary's words). */
const LIST_HEADERS: Record<string, string> = {
  priority: '#', customer_id: 'customer', value_tier: 'value tier', segment: 'segment', persona: 'persona', churn_probability_pct: 'churn probability',
  action: 'action', reasons: 'why', last_order_date: 'last order',
};

/** A list's columns the report shows (names and emails stay in the CLI's list, not on a page that is passed around). */
function listTable(list: ReportData['atRiskList'], currency: string, id: string): string {
  // The reasons last: the one long text, it wraps in the room the others leave.
  const shown = list.columns.filter((c) => c !== 'name' && c !== 'email' && c !== 'value_tier' && c !== 'reasons').concat(list.columns.includes('reasons') ? ['reasons'] : []);
  const header = (c: string) => {
    const base = c.replace(new RegExp(`_${currency}$`), '');
    const words = LIST_HEADERS[base] ?? base.replaceAll('_', ' ').replace('predicted clv 12m', '12-month CLV');
    return c === list.ranking.column ? `${words} (${currency}), ranked by` : c.endsWith(`_${currency}`) ? `${words} (${currency})` : words;
  };
  const cell = (c: string, v: unknown) => (c === 'churn_probability_pct' && typeof v === 'number' ? `${v.toFixed(1)}%` : c.endsWith(`_${currency}`) ? money(v) : v);
  const align = shown.map((c) => (c === 'priority' || c === 'churn_probability_pct' || c.endsWith(`_${currency}`) ? 'r' : 'l') as 'l' | 'r');
  const rows = list.rows.map((r) => shown.map((c) => cell(c, r[c])));
  return table(shown.map(header), rows, align, true).replace('<table class="wrap">', `<table id="${esc(id)}" class="wrap">`);
}

function actionsSection(d: ReportData, ctx: ReportContext): string {
  const list = d.atRiskList;
  const heldBack = d.atRisk.filter((c) => c.contact !== true);
  return `<h2>Actions</h2>
<p class="muted">What each action means is in the glossary at the end of the page.</p>
${table(['action', 'customers', 'value at risk', '12-month CLV'], d.actions.map((a) => [a.action, a.customers, money(a.var), money(a.clv)]), ['l', 'r', 'r', 'r'])}
<h2>VIPs most worth saving: to contact</h2>
<p>The first ${list.rows.length} of <code>fidelio list at-risk-vip</code>, the same customers in the same order: VIPs at medium or high churn risk to save or win back (not those who bought within half their usual gap: too recent to be at risk) who are to be contacted, ranked by <b>${esc(list.ranking.column.replace(`_${ctx.currency}`, '').replaceAll('_', ' '))}</b>, ${esc(list.ranking.meaning)}.</p>
${list.rows.length ? listTable(list, ctx.currency, 'list-at-risk-vip') : '<p>No at-risk VIP to contact.</p>'}
${heldBack.length ? `<h3>At-risk VIPs held back (not to contact)</h3>
${table(['customer', 'churn probability', `value kept (${ctx.currency}), ranked by`, `value at stake (${ctx.currency})`, '12-month CLV', 'not contacted because'], heldBack.map((c) => [c.customer_id, pct(c.churn_probability), money(c.value_kept), money(c.value_at_stake), money(c.predicted_clv_12m), HELD_BACK[String(c.contact_blocked_by)] ?? c.contact_blocked_by]), ['l', 'r', 'r', 'r', 'r', 'l'])}` : ''}`;
}

function movementsSection(d: ReportData): string {
  const moved = (dimension: string) => d.transitions.filter((t: Transition) => t.dimension === dimension && t.previous !== t.current);
  const count = (dimension: string) => moved(dimension).reduce((a, t) => a + t.customers, 0);
  const moves = [...moved('value_tier'), ...moved('churn_risk'), ...moved('is_vip')].sort((a, b) => b.customers - a.customers).slice(0, 20);
  const words: Record<string, string> = { value_tier: 'value tier', churn_risk: 'churn risk', is_vip: 'VIP' };
  const still = moves.length === 0 && count('segment') === 0 && d.vipsToHigh.length === 0;
  const body = d.transitions.length === 0 ? '<p>No earlier run to compare with: movements appear from the second run on.</p>'
    : still ? '<p>No customer changed value tier, segment, churn risk band or VIP status since the last run.</p>' : `
<p>${count('value_tier')} customers changed value tier, ${count('segment')} changed segment, ${count('churn_risk')} changed churn risk band, ${d.vipsToHigh.length} VIPs moved to high risk.</p>
${moves.length ? table(['what changed', 'from', 'to', 'customers'], moves.map((t) => [words[t.dimension] ?? t.dimension, t.previous, t.current, t.customers]), ['l', 'l', 'l', 'r']) : ''}
${d.vipsToHigh.length ? `<h3>VIPs now at high risk</h3>${table(['customer', 'risk before', 'churn probability', '12-month CLV', 'contact', 'why'], d.vipsToHigh.map((v) => [v.customer_id, v.before, pct(v.churn_probability), money(v.predicted_clv_12m), v.contact === true ? 'yes' : `no: ${HELD_BACK[String(v.contact_blocked_by)] ?? 'no action'}`, v.reasons]), ['l', 'l', 'r', 'r', 'l', 'l'])}` : ''}`;
  return `<h2>Since the last run</h2>\n${body}`;
}

/** Which rate the budget priced each action's contacts with: measured, or assumed. */
function ratesParagraph(ctx: ReportContext): string {
  const rates = ctx.actionRates ?? [];
  const measured = rates.filter((r) => r.source === 'measured');
  const assumed = rates.filter((r) => r.source === 'assumed');
  if (!rates.length) return '';
  const said = measured.map((r) => `${r.action} ${pct(r.rate)} (measured on the run as of ${r.measured!.as_of}, 90% interval ${pct(r.measured!.low)} to ${pct(r.measured!.high)})`);
  if (assumed.length) said.push(`${assumed.map((r) => r.action).join(', ')} ${pct(assumed[0]!.rate)} (assumed: scoring.budget.saveRate, until measured precisely enough)`);
  const uplift = rates.filter((r) => r.uplift).map((r) => {
    const u = r.uplift!;
    const backtest = u.qini_model !== undefined ? `Qini ${u.qini_model.toFixed(4)} against ${u.qini_risk!.toFixed(4)} for risk ranking on the campaign as of ${u.test_as_of}` : 'no later campaign to backtest it on yet';
    return u.budget_ranks_by === 'predicted_uplift'
      ? `${r.action}: ranked by value if retained x predicted uplift (its uplift model beat risk ranking: ${backtest}); ${u.negative_uplift} customer${u.negative_uplift === 1 ? '' : 's'} whose predicted uplift is negative not contacted`
      : `${r.action}: ranked by churn x the rate (its uplift model did not beat risk ranking: ${backtest})`;
  });
  return `<p>The budget priced this run's contacts with the share of its customers' churn each action prevents: ${esc(said.join('; '))}.</p>${uplift.length ? `\n<p>Uplift targeting: ${esc(uplift.join('; '))}.</p>` : ''}`;
}

/** Whom each action works on, by persona (actionEffectWords.whoItWorksOn). */
function whoSection(d: ReportData): string {
  const said = whoItWorksOn(d.effectGroups);
  return said.length ? `<h3>Whom each action works on</h3>\n<ul>\n${said.map((s) => `<li>${esc(s)}</li>`).join('\n')}\n</ul>` : '';
}

function effectsSection(d: ReportData, ctx: ReportContext): string {
  if (d.effects.length === 0) {
    return `<h2>Did the actions work?</h2>
<p>Contacted customers are compared with their untouched control group once a run's ${ctx.horizonDays}-day horizon has passed: no action to compare yet.</p>
${ratesParagraph(ctx)}`;
  }
  const measured = d.effects.filter((e) => e.status === 'measured');
  const line = (e: ActionEffect) => `<li${verdict(e) === 'does_not_pay' ? ' class="warn"' : ''}>${esc(effectSentence(e, ctx.currency, ctx.minGroup))}</li>`;
  return `<h2>Did the actions work?</h2>
<p>Each run's contacted customers against the control group of the same action (never contacted), over that run's horizon; the full table is <code>action_effects</code>.</p>
${measured.length ? `<ul>\n${measured.map(line).join('\n')}\n</ul>` : '<p>No action measured yet.</p>'}
${whoSection(d)}
${ratesParagraph(ctx)}
${d.effects.length > measured.length ? `<h3>Not measured yet${d.effects.some((e) => e.status !== 'measured' && (e.controls === 0 || e.contacted === 0)) ? ', or not measurable (no control group)' : ''}</h3>\n<ul>\n${d.effects.filter((e) => e.status !== 'measured').slice(0, 12).map(line).join('\n')}\n</ul>` : ''}`;
}

function kpiSection(d: ReportData): string {
  return `<h2>Monthly KPIs</h2>
${monthlyCharts(d)}
${table(['month', 'revenue', 'orders', 'active', 'customers', 'active VIPs', 'VIPs', 'churn rate', 'MoM', 'YoY'],
  d.kpis.map((k) => [`${k.month}${k.is_partial_month ? ' (partial)' : ''}`, money(k.revenue), k.orders, k.customers_active, k.customers_total, k.vips_active, k.vips_total, pct(k.churn_rate), pct(k.mom_growth), pct(k.yoy_growth)]),
  ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'])}`;
}

// What the run did about its models (trained, kept, nothing changed) is in the log and the manifest, not here: a
// publication is the same bytes whether its champion was trained by this run or kept from an earlier one.
function modelSection(m: ModelMetrics): string {
  const charts = modelCharts(m);
  const historic = m.baselines?.historic_value;
  const choice = m.choice;
  return `<h2>Model quality on the latest held-out period</h2>
<p class="muted">Every candidate was trained on earlier periods, scored at the holdout cutoff, and compared with what customers did next. The champion scores.</p>
${choice ? `<h3>Which models score, and why</h3>
<ul class="choice"><li>${esc(choice.churn.text)}</li><li>${esc(choice.value.text)}</li><li>The purchase model: ${esc(choice.purchase)}</li></ul>` : ''}

${table(['churn model', 'AUC', 'PR AUC', 'Brier', 'log loss', 'lift, top decile'],
  Object.entries(m.candidates?.churn ?? {}).map(([name, c]) => [name === m.churn?.model ? `${name} (champion)` : name, num(c.auc), num(c.pr_auc), num(c.brier), num(c.log_loss), num(c.lift_top_decile, 2)]),
  ['l', 'r', 'r', 'r', 'r', 'r'])}
<p class="muted">Recency alone: AUC ${num(m.churn?.recency_baseline_auc)}.</p>
${(m.churn?.auc ?? 1) <= (m.churn?.recency_baseline_auc ?? 0) ? '<p class="warn">Warning: the churn champion is not above recency alone on the holdout. Treat its ranking as no better than sorting by days since the last order.</p>' : ''}
${charts.gain}
${charts.calibration}
${table(['value model', 'normalized Gini', 'Spearman', 'decile MAPE'],
  [...Object.entries(m.candidates?.value ?? {}).map(([name, c]) => [name === m.value.model ? `${name} (champion)` : name, num(c.normalized_gini), num(c.spearman), num(c.decile_mape, 2)]),
    ...(historic ? [['historic value alone (baseline)', num(historic.normalized_gini), num(historic.spearman), num(historic.decile_mape, 2)]] : [])],
  ['l', 'r', 'r', 'r'])}
${historic && historic.beaten_by.length === 0 ? '<p class="warn">Warning: no value model ranks next-period spend better than historic value alone (net spend to date). Treat value tiers as no better than sorting by what customers have spent.</p>' : ''}
${(m.flagged ?? []).map((f) => `<p class="warn">Left out of the ${f.choice ? `${f.choice} ` : ''}choice: ${esc(f.model)}, ${esc(f.why)}.</p>`).join('\n')}
${(m.notes ?? []).map((n) => `<p class="warn">${esc(n)}.</p>`).join('\n')}
${aggregatePart(m)}
${purchaseModelPart(m)}`;
}

function ambassadorsSection(d: ReportData): string {
  const first = d.ambassadors[0];
  if (!first) return `<h2>Ambassadors</h2>\n<p>No customer meets the ambassador rule (scoring.ambassador) this run.</p>`;
  return `<h2>Ambassadors</h2>
<p>${esc(first.ambassadors)} customers (${pct(first.share_of_customers)} of all, ${pct(first.share_of_value)} of the value score) to invite into a refer-a-friend programme: valuable, loyal, long-standing, at low risk, with no unresolved complaint and a recent order (<code>fidelio list ambassador</code>)${Number(first.referrers) > 0 ? `; ${esc(first.referrers)} of them have already referred customers, whose value is credited to them (referred value)` : ''}.</p>
<p>Ranked by <b>value with referrals</b> (<code>value_with_referrals</code> in <code>fidelio list ambassador</code>): the customer's value score plus the value scores of the customers they referred.</p>
${table(['customer', 'value with referrals, ranked by', 'value score', 'referred', 'referred value', '12-month CLV', 'orders', 'days since last order', 'segment'], d.ambassadors.map((a) => [a.customer_id, money(Number(a.value_score) + Number(a.referred_value ?? 0)), money(a.value_score), a.referred_customers ?? 0, money(a.referred_value ?? 0), money(a.predicted_clv_12m), a.orders_count, a.days_since_last_order, a.segment]), ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'])}`;
}

/** The buyer personas: what sets each apart, its size, value, churn and actions, and each segment's persona mix. */
function personasSection(d: ReportData, ctx: ReportContext): string {
  if (d.personas.length === 0) return `<h2>Buyer personas</h2>\n<p>Too few customers to cluster into personas this run.</p>`;
  const chosen = d.personaChoice.find((c) => c.chosen);
  const tried = d.personaChoice.map((c) => `${c.k}: ${num(c.silhouette, 2)}`).join(', ');
  // The model version's personas, fitted at its first scoring: kept when that was before this run's as-of.
  const fitted = chosen?.fitted_as_of === undefined ? undefined : String(chosen.fitted_as_of);
  const kept = fitted && fitted !== ctx.asOf ? ` as of ${esc(fitted)}, kept with the model version ${esc(ctx.modelVersion)}: this run assigned every customer to the nearest of its personas (numbers and names stay, the figures are this run's)` : '';
  const actions = (p: Record<string, unknown>) => ACTIONS.filter((a) => Number(p[a]) > 0).map((a) => `${a.replace('_', ' ')} ${money(p[a])}`).join(', ') || 'none';
  const segments = [...new Set(d.segmentPersonas.map((r) => String(r.segment)))];
  const mix = segments.map((seg) => {
    const rows = d.segmentPersonas.filter((r) => r.segment === seg);
    return [seg, money(rows.reduce((a, r) => a + Number(r.customers), 0)), ...d.personas.map((p) => pct(rows.find((r) => r.persona_id === p.persona_id)?.share_of_segment ?? 0))];
  });
  return `<h2>Buyer personas</h2>
<p>${d.personas.length} personas from behaviour (rhythm, basket, discounts, weekend buying, tenure, complaints, channel, favourite category, country), the number chosen by the highest mean silhouette among ${esc(d.personaChoice[0]?.k)} to ${esc(d.personaChoice.at(-1)?.k)} (${esc(tried)}) on a seeded sample of ${money(chosen?.fitted_on)} customers${kept}. Each is described by what sets it apart from everyone.</p>
<ol>${d.personas.map((p) => `<li>${esc(p.description)}</li>`).join('')}</ol>
${table(['persona', 'customers', 'share', 'share of value', 'mean churn', 'actions', 'contacted', 'ambassadors'],
    d.personas.map((p) => [p.persona, money(p.customers), pct(p.share_of_customers), pct(p.share_of_value), pct(p.mean_churn_probability), actions(p), money(p.contacted), money(p.ambassadors)]),
    ['l', 'r', 'r', 'r', 'r', 'l', 'r', 'r'], true)}
<h3>Each segment's persona mix</h3>
${table(['segment', 'customers', ...d.personas.map((p) => String(p.persona))], mix, ['l', 'r', ...d.personas.map(() => 'r' as const)], true)}`;
}

function dataQualitySection(d: ReportData, ctx: ReportContext): string {
  return `<h2>Data quality</h2>
${d.rejects.length ? table(['input', 'reason class', 'lines rejected', 'first line', 'its reason'], d.rejects.map((r) => [r.kind, r.reason_class, r.lines, r.example_line, r.example_reason]), ['l', 'l', 'r', 'r', 'l']) : '<p>No rows rejected in this run.</p>'}
<p class="muted">Every rejected line is in the database's rejected_rows table: <code>fidelio rejected --run ${esc(ctx.runId)}</code> lists them.</p>${leftOutPart(d)}`;
}

/** The orders whose status says they never became sales: left out of every figure, and said how many (nothing when there are none). */
function leftOutPart(d: ReportData): string {
  if (!d.leftOut?.length) return '';
  const orders = d.leftOut.reduce((n, r) => n + Number(r.orders), 0);
  return `
<p>${money(orders)} order${orders === 1 ? '' : 's'} never became sales (their status: formats.orders.statuses) and ${orders === 1 ? 'is' : 'are'} left out of revenue, order counts and every score; they are kept in the database's orders_left_out table.</p>
${table(['status', 'orders', 'amount (the orders\' own currency)'], d.leftOut.map((r) => [r.order_status, money(Number(r.orders)), Number(r.amount).toFixed(2)]), ['l', 'r', 'r'])}`;
}

/**
 * The marketer's page: self-contained HTML (no script, no network), built
 * from the run's tables (loadReportData). Headline figures, value
 * concentration by tier, who to act on, the at-risk VIPs with their
 * reasons, movements since the last run, the actions' effect, the
 * ambassadors, the buyer personas and each segment's mix, monthly
 * KPIs, model quality against baselines, and the data quality of the inputs.
 */
export function renderReport(d: ReportData, ctx: ReportContext): string {
  const m = ctx.metrics;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fidelio report ${esc(ctx.asOf)}</title>
${STYLE}</head><body>
${headline(d, ctx)}
${valueSection(d)}
${actionsSection(d, ctx)}
${movementsSection(d)}
${effectsSection(d, ctx)}
${ambassadorsSection(d)}
${personasSection(d, ctx)}
${kpiSection(d)}
${modelSection(m)}
${dataQualitySection(d, ctx)}
${glossarySection()}
</body></html>
`;
}
