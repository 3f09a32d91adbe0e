import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listQuery, listText, topCount } from '../../pipeline/cli/listCommand.js';
import { Database, literal } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { silentLogger } from '../../pipeline/log.js';
import { Publication } from '../../pipeline/runner/publication.js';
import type { ServeOptions } from '../../pipeline/serve/server.js';

/** Ids a page must show as text and a spreadsheet must not run. */
export const HOSTILE = '<script>alert(1)</script>';
export const FORMULA = '=HYPERLINK("http://x")';
/** A persona and a country whose names are markup. */
export const HOSTILE_PERSONA = '<i>weekend</i> shoppers';
export const HOSTILE_COUNTRY = '<b>ES</b>';

/** The published scores of the fixture: 40 customers, every column the pages and lists read, values from the customer's number. */
const SCORES = `
WITH n AS (SELECT i FROM range(1, 41) t(i)),
b AS (
  SELECT i, CASE i WHEN 1 THEN ${literal(HOSTILE)} WHEN 2 THEN ${literal(FORMULA)} ELSE 'C' || lpad(CAST(i AS VARCHAR), 3, '0') END AS customer_id,
    ((i * 37) % 100) / 100.0 AS churn_probability, 1 + (i % 5) AS value_tier,
    ['champions', 'loyal', 'at_risk', 'cant_lose'][1 + i % 4] AS segment,
    ['save', 'surprise', 'grow', 'nurture', 'win_back', 'none'][1 + i % 6] AS action,
    1 + i % 3 AS persona_id
  FROM n)
SELECT customer_id, DATE '2026-09-30' AS as_of, CAST(churn_probability AS DOUBLE) AS churn_probability,
  CASE WHEN churn_probability >= 0.6 THEN 'high' WHEN churn_probability >= 0.3 THEN 'medium' ELSE 'low' END AS churn_risk,
  CAST(1 - churn_probability AS DOUBLE) AS p_alive, 0.5 + i / 10 AS expected_purchases, 0.3 + i / 10 AS expected_purchases_p10, 0.8 + i / 10 AS expected_purchases_p90,
  100.0 + i AS predicted_value, CAST((1000 - 10 * i) * (1 - churn_probability) AS DOUBLE) AS predicted_clv_12m,
  CAST((900 - 10 * i) * (1 - churn_probability) AS DOUBLE) AS predicted_clv_12m_p10, CAST((1100 - 10 * i) * (1 - churn_probability) AS DOUBLE) AS predicted_clv_12m_p90,
  2000.0 - 40 * i AS historic_value, CAST(3 + i % 4 AS BIGINT) AS orders_count, CAST(10 * i AS BIGINT) AS days_since_last_order, DATE '2026-10-15' + CAST(i AS INTEGER) AS expected_next_order_date,
  1000.0 - i AS value_score, CAST(value_tier AS BIGINT) AS value_tier, value_tier <= 2 AS is_vip, CAST(1 + i % 5 AS BIGINT) AS r_score, CAST(1 + i % 4 AS BIGINT) AS f_score, CAST(1 + i % 3 AS BIGINT) AS m_score,
  segment, action, CAST(i AS BIGINT) AS action_priority, CAST((1000 - 10 * i) * churn_probability AS DOUBLE) AS value_at_risk,
  action <> 'none' AND i % 7 = 0 AS is_control, action <> 'none' AND i % 7 <> 0 AS contact, CASE WHEN action <> 'none' AND i % 7 = 0 THEN 'control' END AS contact_blocked_by,
  CASE WHEN action <> 'none' AND i % 7 <> 0 THEN 50.0 - i END AS expected_value_retained,
  'no order for ' || (10 * i) || ' days' AS reasons, 'fidelio-fixture' AS model_version, 'EUR' AS currency,
  CAST(1000 - 10 * i AS DOUBLE) AS value_if_retained, i % 4 = 1 AS is_ambassador, CAST(persona_id AS INTEGER) AS persona_id,
  ['weekday web buyers', 'discount hunters', ${literal(HOSTILE_PERSONA)}][persona_id] AS persona,
  CAST(i % 3 AS BIGINT) AS referred_customers, 10.0 * (i % 3) AS referred_value
FROM b ORDER BY i`;

const COUNTRY = `['ES', 'FR', 'Korea, Republic of', ${literal(HOSTILE_COUNTRY)}][1 + CAST(substr(customer_id, -1) AS INTEGER) % 4]`;

export interface ServedFixture {
  dir: string;
  db: string;
  out: string;
  runId: string;
  /** ServeOptions for createApp on this fixture. */
  options(extra?: Partial<ServeOptions>): ServeOptions;
  /** Publishes another run whose scores all carry `modelVersion` (what a run publishing while the page is open does). */
  publishAgain(runId: string, modelVersion: string): Promise<void>;
  close(): void;
}

async function publish(db: Database, out: string, runId: string): Promise<void> {
  const publication = new Publication(out);
  publication.prepare();
  const dir = publication.staging(runId);
  await db.run(`ATTACH ${literal(join(dir, 'fidelio.duckdb'))} AS publication`);
  try {
    for (const t of ['customer_scores', 'kpis_monthly', 'action_effects', 'personas', 'customer_scores_history']) await db.run(`CREATE TABLE publication.${t} AS SELECT * FROM ${t}`);
    await db.run('CREATE TABLE publication.customers AS SELECT customer_id, country FROM customers ORDER BY customer_id');
  } finally {
    await db.run('DETACH publication');
  }
  writeFileSync(join(dir, 'run_manifest.json'), JSON.stringify({ run_id: runId, as_of: '2026-09-30', horizon_days: 90, currency: 'EUR', model_version: 'fidelio-fixture', cmgr: { months: 12, from: '2025-09-01', to: '2026-09-01', value: 0.0125 } }));
  // The champions (what the customer page names its figures by): the network for churn and value, MBG/NBD (penalized) for purchases.
  writeFileSync(join(dir, 'model_metrics.json'), JSON.stringify({ model_version: 'fidelio-fixture', churn: { model: 'neural' }, value: { model: 'neural' }, btyd_model: 'mbgnbd_penalized' }));
  await db.run('CREATE OR REPLACE TABLE published_scores AS SELECT * FROM customer_scores');
  publication.commit(runId);
}

/**
 * A working database and its publication made by hand in a second (what a
 * run leaves, at the size of a unit test): 40 customers with hostile ids,
 * persona and country names among them, 14 months of KPIs, a measured and
 * a pending action effect, three personas, orders for two customers.
 */
export async function servedFixture(): Promise<ServedFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-served-'));
  const path = join(dir, 'f.duckdb');
  const out = join(dir, 'out');
  const db = await Database.open(path);
  try {
    await migrate(db);
    await db.run(`CREATE TABLE customer_scores AS ${SCORES}`);
    await db.run(`INSERT INTO customers (customer_id, country) SELECT customer_id, CASE WHEN customer_id LIKE 'C%' THEN ${COUNTRY} ELSE 'ES' END FROM customer_scores`);
    await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount, currency, category, channel)
      SELECT 'O' || i, CASE WHEN i <= 5 THEN ${literal(HOSTILE)} ELSE 'C003' END, TIMESTAMPTZ '2025-01-10 12:00:00Z' + to_days(CAST(40 * i AS INTEGER)),
        DATE '2025-01-10' + CAST(40 * i AS INTEGER), CASE WHEN i = 3 THEN -25.5 ELSE 100 + i END, 'EUR', 'books', 'web' FROM range(1, 9) t(i)`);
    await db.run(`CREATE TABLE kpis_monthly AS SELECT CAST(DATE '2025-08-01' + to_months(CAST(i AS INTEGER)) AS DATE) AS month, i = 13 AS is_partial_month,
      CAST(1000 + 100 * i AS DECIMAL(38, 2)) AS revenue, CAST(20 + i AS BIGINT) AS orders, CAST(10 + i AS BIGINT) AS customers_active, CAST(40 AS HUGEINT) AS customers_total,
      CAST(3 + i % 4 AS BIGINT) AS vips_active, CAST(16 AS HUGEINT) AS vips_total, CAST(0.05 + i / 1000 AS DOUBLE) AS churn_rate, 0.1 AS mom_growth, 0.25 AS yoy_growth
      FROM range(0, 14) t(i)`);
    await db.run(`CREATE TABLE action_effects AS SELECT * FROM (VALUES
      ('r0', DATE '2026-03-31', 'save', 90, DATE '2026-06-29', 'measured', 400, 60, 0.6, 0.5, 0.1, 0.05, 0.15, 80.0, 60.0, 20.0, 5.0, 35.0, 12.0, 2.0, 22.0, 4800.0, 0.2, 0.1, 0.3),
      ('r0', DATE '2026-03-31', 'surprise', 90, DATE '2026-06-29', 'measured', 300, 50, 0.5, 0.5, 0.0, -0.04, 0.04, 50.0, 52.0, -2.0, -9.0, 5.0, -4.0, -12.0, -1.0, -1200.0, 0.0, -0.1, 0.1),
      ('r1', DATE '2026-09-30', 'grow', 90, DATE '2026-12-29', 'horizon_not_passed', 120, 20, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) t(run_id, as_of, action, horizon_days, measurable_from, status, contacted, controls, retention_contacted, retention_control, retention_uplift, retention_uplift_low, retention_uplift_high,
      spend_contacted, spend_control, spend_uplift, spend_uplift_low, spend_uplift_high, net_value_per_contact, net_value_per_contact_low, net_value_per_contact_high, net_value_total, save_rate, save_rate_low, save_rate_high)`);
    await db.run(`CREATE TABLE personas AS SELECT persona_id, any_value(persona) AS persona, any_value(persona) || ': what sets it apart' AS description, count(*) AS customers,
      count(*) / 40 AS share_of_customers, sum(historic_value) / (SELECT sum(historic_value) FROM customer_scores) AS share_of_value, avg(churn_probability) AS mean_churn_probability,
      sum(predicted_clv_12m) AS predicted_clv_12m, count(*) FILTER (WHERE action = 'save') AS save, count(*) FILTER (WHERE action = 'surprise') AS surprise,
      count(*) FILTER (WHERE action = 'grow') AS grow, count(*) FILTER (WHERE action = 'nurture') AS nurture, count(*) FILTER (WHERE action = 'win_back') AS win_back,
      count(*) FILTER (WHERE action = 'none') AS no_action, count(*) FILTER (WHERE contact) AS contacted, count(*) FILTER (WHERE is_ambassador) AS ambassadors,
      2.5 AS orders_per_year, 40.0 AS avg_order_value, 'web' AS top_channel, 0.7 AS top_channel_share, 'books' AS top_category, 0.5 AS top_category_share, 'ES' AS top_country
      FROM customer_scores GROUP BY persona_id ORDER BY persona_id`);
    await db.run(`INSERT INTO customer_scores_history (run_id, as_of, customer_id, model_version, churn_probability, churn_risk, predicted_clv_12m, value_tier, is_vip, segment, action, contact, is_control, horizon_days)
      SELECT 'r1', as_of, customer_id, model_version, churn_probability, churn_risk, predicted_clv_12m, value_tier, is_vip, segment, action, contact, is_control, 90 FROM customer_scores`);
    await db.run(`INSERT INTO runs VALUES ('r1', TIMESTAMPTZ '2026-10-01 06:00:00Z', TIMESTAMPTZ '2026-10-01 06:05:00Z', DATE '2026-09-30', 'succeeded', NULL, '{}')`);
    await publish(db, out, 'r1');
  } finally {
    db.close();
  }
  return {
    dir, db: path, out, runId: 'r1',
    options: (extra = {}) => ({ out, db: path, host: '127.0.0.1', minGroup: 30, log: silentLogger, lists: { listQuery, listText, topCount }, now: () => new Date('2026-10-02T09:00:00Z'), ...extra }),
    async publishAgain(runId, modelVersion) {
      const w = await Database.open(path);
      try {
        // The model version in the reasons too, so that a list's default columns (no model_version) show which publication they come from.
        await w.run("UPDATE customer_scores SET model_version = $v, reasons = reasons || ' (' || $v || ')'", { v: modelVersion });
        await publish(w, out, runId);
      } finally {
        w.close();
      }
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
