import type { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { barChart, lineChart } from './svgCharts.js';

const esc = (v: unknown) =>
  String(v ?? '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const money = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '');
const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const num = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');

function table(headers: string[], rows: unknown[][], align: ('l' | 'r')[] = []): string {
  const th = headers.map((h, i) => `<th class="${align[i] ?? 'l'}">${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td class="${align[i] ?? 'l'}">${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

export interface ReportContext {
  runId: string;
  asOf: string;
  horizonDays: number;
  modelVersion: string;
  metrics: Record<string, unknown>;
  cmgr: number | null;
}

/**
 * The marketer's page: self-contained HTML (no script, no network), built
 * from the run's tables. Headline figures, value concentration by tier,
 * who to act on, the at-risk VIPs with their reasons, monthly KPIs, model
 * quality against baselines, and the data quality of the inputs.
 */
export async function renderReport(db: Database, ctx: ReportContext): Promise<string> {
  const head = (await db.one<Record<string, number>>(`SELECT count(*) AS customers,
      count(*) FILTER (WHERE is_vip) AS vips,
      count(*) FILTER (WHERE is_vip AND churn_risk <> 'low') AS vips_at_risk,
      sum(value_at_risk) AS value_at_risk,
      sum(predicted_clv_12m) AS clv,
      avg(churn_probability) AS mean_churn
    FROM customer_scores`))!;
  const tiers = await db.all(`SELECT value_tier, count(*) AS customers, sum(greatest(historic_value, 0)) AS historic,
      sum(greatest(historic_value, 0)) / sum(sum(greatest(historic_value, 0))) OVER () AS share,
      sum(predicted_clv_12m) AS clv, avg(churn_probability) AS churn
    FROM customer_scores GROUP BY value_tier ORDER BY value_tier`);
  const actions = await db.all(`SELECT action, count(*) AS customers, sum(value_at_risk) AS var, sum(predicted_clv_12m) AS clv
    FROM customer_scores GROUP BY action ORDER BY var DESC`);
  const atRisk = await db.all(`SELECT customer_id, churn_probability, predicted_clv_12m, value_at_risk, days_since_last_order, segment, reasons
    FROM customer_scores WHERE is_vip AND churn_risk <> 'low' ORDER BY value_at_risk DESC, customer_id LIMIT 25`);
  const kpis = await db.all(`SELECT strftime(month, '%Y-%m') AS month, revenue, orders, customers_active, customers_total,
      vips_active, vips_total, churn_rate, mom_growth, yoy_growth, is_partial_month
    FROM kpis_monthly ORDER BY month DESC LIMIT 13`);
  const rejects = await db.all(`SELECT kind, regexp_replace(reason, '''[^'']*''', '…', 'g') AS reason, count(*) AS lines
    FROM rejected_rows WHERE run_id = $1 GROUP BY ALL ORDER BY lines DESC LIMIT 20`, [ctx.runId]);
  const transitions = await db.all<{ dimension: string; previous: string; current: string; customers: number }>(readSql('score/transitions.sql'), { run_id: ctx.runId });
  const vipsToHigh = await db.all(`SELECT c.customer_id, h.churn_risk AS before, c.churn_probability, c.predicted_clv_12m, c.reasons
    FROM customer_scores c JOIN customer_scores_history h USING (customer_id)
    WHERE c.is_vip AND c.churn_risk = 'high' AND h.churn_risk <> 'high'
      AND h.run_id = (SELECT run_id FROM customer_scores_history WHERE run_id <> $1 AND as_of <= (SELECT max(as_of) FROM customer_scores)
                      ORDER BY as_of DESC, run_id DESC LIMIT 1)
    ORDER BY c.value_at_risk DESC, c.customer_id LIMIT 25`, [ctx.runId]);
  const effects = await db.all(readSql('score/action_effects.sql'), { horizon: ctx.horizonDays });
  const moved = (dimension: string) => transitions.filter((t) => t.dimension === dimension && t.previous !== t.current);
  const monthly = await db.all<{ month: string; revenue: number; customers_active: number; vips_active: number }>(`SELECT strftime(month, '%Y-%m') AS month,
      CAST(revenue AS DOUBLE) AS revenue, customers_active, vips_active FROM kpis_monthly ORDER BY month DESC LIMIT 24`);
  monthly.reverse();
  const concentration = await db.all<{ customers: number; value: number }>(`WITH r AS (
      SELECT row_number() OVER (ORDER BY historic_value DESC, customer_id) AS k, count(*) OVER () AS n,
        sum(greatest(historic_value, 0)) OVER (ORDER BY historic_value DESC, customer_id) AS cum, sum(greatest(historic_value, 0)) OVER () AS total
      FROM customer_scores)
    SELECT k / n AS customers, cum / nullif(total, 0) AS value FROM r WHERE k % greatest(1, n // 50) = 0 OR k = n ORDER BY k`);
  const m = ctx.metrics as {
    churn?: Record<string, number> & {
      model?: string;
      calibration?: { mean_predicted: number; observed_rate: number }[];
      calibration_by_model?: Record<string, { mean_predicted: number; observed_rate: number }[]>;
      gain?: Record<string, [number, number][]>;
    };
    value?: Record<string, number>;
    candidates?: { churn?: Record<string, Record<string, number>>; value?: Record<string, Record<string, number>> };
  };
  const palette = ['#3b6fd6', '#d6863b', '#4c9a5a', '#8a5ad6'];
  const charts = {
    revenue: barChart('Net revenue by month', monthly.map((k) => ({ label: k.month, value: k.revenue })), { xLabel: 'month', yLabel: 'revenue', everyNthLabel: 3 }),
    active: lineChart('Active customers and active VIPs by month', [
      { name: 'active customers', color: palette[0]!, points: monthly.map((k, i) => [i, k.customers_active]) },
      { name: 'active VIPs', color: palette[1]!, points: monthly.map((k, i) => [i, k.vips_active]) },
    ], { xLabel: `months, ${monthly[0]?.month ?? ''} to ${monthly.at(-1)?.month ?? ''}`, yLabel: 'customers' }),
    tiers: barChart('Share of historic value by value tier', tiers.map((t) => ({ label: `tier ${t.value_tier}`, value: t.share as number })), { xLabel: 'value tier (1 = top fifth)', yLabel: 'share of value', yPercent: true }),
    concentration: lineChart('Share of value by share of customers, most valuable first', [
      { name: 'customers', color: palette[0]!, points: [[0, 0], ...concentration.map((c) => [c.customers, c.value] as [number, number])] },
      { name: 'equal shares', color: '#aab', dashed: true, points: [[0, 0], [1, 1]] },
    ], { xLabel: 'share of customers', yLabel: 'share of historic value', xPercent: true, yPercent: true, xRange: [0, 1], yRange: [0, 1] }),
    gain: m.churn?.gain
      ? lineChart('Gain: churners caught by targeting the riskiest first (held-out horizon)', [
          ...Object.entries(m.churn.gain).map(([name, points], i) => ({ name, color: palette[i % palette.length]!, points })),
          { name: 'random', color: '#aab', dashed: true, points: [[0, 0], [1, 1]] as [number, number][] },
        ], { xLabel: 'share of customers targeted', yLabel: 'share of churners caught', xPercent: true, yPercent: true, xRange: [0, 1], yRange: [0, 1] })
      : '',
    calibration: m.churn?.calibration
      ? lineChart('Calibration: predicted against observed churn, by decile (held-out horizon)', [
          ...Object.entries(m.churn.calibration_by_model ?? { [m.churn.model ?? 'champion']: m.churn.calibration }).map(([name, table], i) => ({
            name: name === m.churn?.model ? `${name} (champion)` : name, color: palette[i % palette.length]!,
            points: table.map((d) => [d.mean_predicted, d.observed_rate] as [number, number]),
          })),
          { name: 'perfect', color: '#aab', dashed: true, points: [[0, 0], [1, 1]] },
        ], { xLabel: 'predicted churn probability', yLabel: 'observed churn rate', xPercent: true, yPercent: true, xRange: [0, 1], yRange: [0, 1], markers: true })
      : '',
  };

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fidelio report ${esc(ctx.asOf)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1d2433}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #dde;padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 150px;background:#f3f5fa;border-radius:8px;padding:10px}
.card b{display:block;font-size:1.4em}.chart{width:100%;max-width:720px;height:auto;display:block;margin:8px 0}table{border-collapse:collapse;width:100%;font-size:.9em;display:block;overflow-x:auto}
th,td{padding:4px 8px;border-bottom:1px solid #eee;white-space:nowrap}td.l,th.l{text-align:left}td.r,th.r{text-align:right}
td:last-child{white-space:normal;min-width:260px}.muted{color:#667}.warn{color:#a33;font-weight:600}
</style></head><body>
<h1>Customer value and churn report</h1>
<p class="muted">As of ${esc(ctx.asOf)} · horizon ${ctx.horizonDays} days · model ${esc(ctx.modelVersion)} · run ${esc(ctx.runId)}</p>
<div class="cards">
<div class="card">Customers<b>${money(head.customers)}</b></div>
<div class="card">VIPs<b>${money(head.vips)}</b></div>
<div class="card">VIPs at risk<b>${money(head.vips_at_risk)}</b></div>
<div class="card">12-month CLV<b>${money(head.clv)}</b></div>
<div class="card">Value at risk<b>${money(head.value_at_risk)}</b></div>
<div class="card">CMGR<b>${pct(ctx.cmgr)}</b></div>
</div>
<h2>Value concentration by tier</h2>
${charts.tiers}
${charts.concentration}
${table(['tier', 'customers', 'historic value', 'share of value', '12-month CLV', 'mean churn probability'],
  tiers.map((t) => [t.value_tier, t.customers, money(t.historic), pct(t.share), money(t.clv), pct(t.churn)]), ['l', 'r', 'r', 'r', 'r', 'r'])}
<h2>Actions</h2>
${table(['action', 'customers', 'value at risk', '12-month CLV'], actions.map((a) => [a.action, a.customers, money(a.var), money(a.clv)]), ['l', 'r', 'r', 'r'])}
<h2>VIPs most worth saving</h2>
${table(['customer', 'churn probability', '12-month CLV', 'value at risk', 'days since last order', 'segment', 'why'],
  atRisk.map((c) => [c.customer_id, pct(c.churn_probability), money(c.predicted_clv_12m), money(c.value_at_risk), c.days_since_last_order, c.segment, c.reasons]),
  ['l', 'r', 'r', 'r', 'r', 'l', 'l'])}
<h2>Since the last run</h2>
${transitions.length === 0 ? '<p>No earlier run to compare with: movements appear from the second run on.</p>' : `
<p>${moved('value_tier').reduce((a, t) => a + t.customers, 0)} customers changed value tier, ${moved('segment').reduce((a, t) => a + t.customers, 0)} changed segment, ${moved('churn_risk').reduce((a, t) => a + t.customers, 0)} changed churn risk band, ${vipsToHigh.length} VIPs moved to high risk.</p>
${table(['dimension', 'from', 'to', 'customers'], [...moved('value_tier'), ...moved('churn_risk'), ...moved('is_vip')].sort((a, b) => b.customers - a.customers).slice(0, 20).map((t) => [t.dimension, t.previous, t.current, t.customers]), ['l', 'l', 'l', 'r'])}
${vipsToHigh.length ? `<h3>VIPs now at high risk</h3>${table(['customer', 'risk before', 'churn probability', '12-month CLV', 'why'], vipsToHigh.map((v) => [v.customer_id, v.before, pct(v.churn_probability), money(v.predicted_clv_12m), v.reasons]), ['l', 'l', 'r', 'r', 'l'])}` : ''}`}
<h2>Did the actions work?</h2>
${effects.length === 0 ? `<p>Contacted customers are compared with their untouched control group once a run's ${ctx.horizonDays}-day horizon has passed: nothing to compare yet.</p>` : table(['run as of', 'action', 'contacted', 'control', 'churn, contacted', 'churn, control'], effects.map((e) => [e.as_of, e.action, e.treated, e.control, pct(e.treated_churn_rate), pct(e.control_churn_rate)]), ['l', 'l', 'r', 'r', 'r', 'r'])}
<h2>Monthly KPIs</h2>
${charts.revenue}
${charts.active}
${table(['month', 'revenue', 'orders', 'active', 'customers', 'active VIPs', 'VIPs', 'churn rate', 'MoM', 'YoY'],
  kpis.map((k) => [`${k.month}${k.is_partial_month ? ' (partial)' : ''}`, money(k.revenue), k.orders, k.customers_active, k.customers_total, k.vips_active, k.vips_total, pct(k.churn_rate), pct(k.mom_growth), pct(k.yoy_growth)]),
  ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'])}
<h2>Model quality on the latest held-out period</h2>
<p class="muted">Every candidate was trained on earlier periods, scored at the holdout cutoff, and compared with what customers did next. The champion scores.</p>
${table(['churn model', 'AUC', 'PR AUC', 'Brier', 'log loss', 'lift, top decile'],
  Object.entries(m.candidates?.churn ?? {}).map(([name, c]) => [name === m.churn?.model ? `${name} (champion)` : name, num(c.auc), num(c.pr_auc), num(c.brier), num(c.log_loss), num(c.lift_top_decile, 2)]),
  ['l', 'r', 'r', 'r', 'r', 'r'])}
<p class="muted">Recency alone: AUC ${num(m.churn?.recency_baseline_auc)}.</p>
${(m.churn?.auc ?? 1) <= (m.churn?.recency_baseline_auc ?? 0) ? '<p class="warn">Warning: the churn champion is not above recency alone on the holdout. Treat its ranking as no better than sorting by days since the last order.</p>' : ''}
${charts.gain}
${charts.calibration}
${table(['value model', 'normalized Gini', 'Spearman', 'decile MAPE'],
  Object.entries(m.candidates?.value ?? {}).map(([name, c]) => [name === (m.value as { model?: string } | undefined)?.model ? `${name} (champion)` : name, num(c.normalized_gini), num(c.spearman), num(c.decile_mape, 2)]),
  ['l', 'r', 'r', 'r'])}
<h2>Data quality</h2>
${rejects.length ? table(['input', 'reason', 'lines rejected'], rejects.map((r) => [r.kind, r.reason, r.lines]), ['l', 'l', 'r']) : '<p>No rows rejected in this run.</p>'}
</body></html>
`;
}
