/**
 * # Exploring a fidelio publication
 *
 * A literate notebook for data scientists: each cell states a question,
 * the SQL that answers it against the published read-only database, and
 * the answer (a table, sometimes a chart). It runs on any publication:
 *
 *     npm run notebooks -- --published data/out
 *
 * and writes notebooks/out/explore.html. A test executes it on a fresh
 * run so that it never rots. Add a cell: one more entry in `cells`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../pipeline/db/Database.js';
import { barChart, lineChart } from '../pipeline/publish/svgCharts.js';
import { parseModelMetrics } from '../pipeline/shared/modelMetrics.js';
import { esc, page, runCells, table, type Cell } from './notebook.js';

const cells: Cell[] = [
  {
    title: 'Who is in each segment, and what do we do with them?',
    prose: 'Segments come from recency, frequency and monetary quintiles; actions from value and churn risk. The cross-tab shows where the marketing effort goes.',
    sql: `SELECT segment, count(*) AS customers,
      count(*) FILTER (WHERE action = 'save') AS save, count(*) FILTER (WHERE action = 'surprise') AS surprise,
      count(*) FILTER (WHERE action = 'grow') AS grow, count(*) FILTER (WHERE action = 'nurture') AS nurture,
      count(*) FILTER (WHERE action = 'win_back') AS win_back, count(*) FILTER (WHERE action = 'none') AS "none"
    FROM customer_scores GROUP BY segment ORDER BY customers DESC`,
  },
  {
    title: 'How risky is each value tier?',
    prose: 'Mean and quartiles of the churn probability per tier: the top tier should be the safest, and the save list comes from where value and risk meet.',
    sql: `SELECT value_tier, count(*) AS customers, round(avg(churn_probability), 3) AS mean_churn,
      round(quantile_cont(churn_probability, 0.25), 3) AS q1, round(median(churn_probability), 3) AS median, round(quantile_cont(churn_probability, 0.75), 3) AS q3,
      round(sum(predicted_clv_12m), 0) AS clv_12m, round(sum(value_at_risk), 0) AS value_at_risk
    FROM customer_scores GROUP BY value_tier ORDER BY value_tier`,
    chart: (rows) => barChart('Mean churn probability by value tier', rows.map((r) => ({ label: `tier ${r.value_tier}`, value: Number(r.mean_churn) })), { xLabel: 'value tier', yLabel: 'mean churn probability', yPercent: true }),
  },
  {
    title: 'Where is the value at risk?',
    prose: 'The twenty customers with the most expected 12-month value at risk, with what drove their churn score.',
    sql: `SELECT customer_id, value_tier, segment, action, round(churn_probability, 3) AS churn, round(predicted_clv_12m, 0) AS clv_12m,
      round(value_at_risk, 0) AS value_at_risk, reasons
    FROM customer_scores ORDER BY value_at_risk DESC, customer_id LIMIT 20`,
  },
  {
    title: 'How is revenue moving?',
    prose: 'Net monthly revenue (refunds in the month they were issued) and the month-over-month change.',
    sql: `SELECT strftime(month, '%Y-%m') AS month, CAST(revenue AS DOUBLE) AS revenue, customers_active, round(mom_growth, 3) AS mom, round(yoy_growth, 3) AS yoy
    FROM kpis_monthly ORDER BY month`,
    chart: (rows) => lineChart('Net revenue by month', [{ name: 'revenue', color: '#3b6fd6', points: rows.map((r, i) => [i, Number(r.revenue)]) }], { xLabel: 'month (index)', yLabel: 'revenue' }),
  },
  {
    title: 'How did customers move since the previous run?',
    prose: 'Value-tier transitions between the last two runs in the history (empty after the first run).',
    sql: `WITH runs AS (SELECT run_id, as_of FROM customer_scores_history GROUP BY ALL ORDER BY as_of DESC, run_id DESC LIMIT 2),
      cur AS (SELECT * FROM customer_scores_history WHERE run_id = (SELECT run_id FROM runs LIMIT 1)),
      prev AS (SELECT * FROM customer_scores_history WHERE run_id = (SELECT run_id FROM runs OFFSET 1 LIMIT 1))
    SELECT p.value_tier AS before, c.value_tier AS after, count(*) AS customers
    FROM prev p JOIN cur c USING (customer_id) GROUP BY ALL ORDER BY before, after`,
  },
];

/** The model comparison comes from model_metrics.json, beside the database. */
function modelCell(published: string): string {
  const path = join(published, 'model_metrics.json');
  // Checked against what model_metrics.json's readers rely on: a renamed key fails here, naming it.
  const metrics = parseModelMetrics(JSON.parse(readFileSync(path, 'utf8')), path);
  const churn = Object.entries(metrics.candidates?.churn ?? {}).map(([name, m]) => ({ model: name, auc: m.auc, pr_auc: m.pr_auc, brier: m.brier, log_loss: m.log_loss }));
  const value = Object.entries(metrics.candidates?.value ?? {}).map(([name, m]) => ({ model: name, normalized_gini: m.normalized_gini, spearman: m.spearman, decile_mape: m.decile_mape }));
  return `<section><h2>Which model scores, and against what?</h2>
<p>The backtest on the latest held-out horizon (model_metrics.json). Champion: <b>${esc(metrics.churn.model)}</b>; recency alone reaches AUC ${esc(metrics.churn.recency_baseline_auc)}.</p>
${table(churn)}${table(value)}</section>`;
}

/** Runs every cell against a publication folder and returns the notebook as one HTML page. */
export async function explore(published: string): Promise<string> {
  const db = await Database.open(join(published, 'fidelio.duckdb'), { readOnly: true });
  let sections: string[];
  try {
    sections = await runCells(db, cells);
  } finally {
    db.close();
  }
  sections.splice(2, 0, modelCell(published));
  return page('Exploring a fidelio publication', published, '', sections);
}
