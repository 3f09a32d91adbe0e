import { afterAll, beforeAll, expect, test } from 'vitest';
import { readSql } from '../../pipeline/db/sqlFile.js';
import { loadReportData } from '../../pipeline/publish/reportData.js';
import { publishableRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await publishableRun();
});
afterAll(() => run.close());

test("the report's figures come from the run's tables, each from its SQL file", async () => {
  const d = await loadReportData(run.db, 'test-run');
  const n = await run.db.value<number>('SELECT count(*) FROM customer_scores');
  expect(d.head.customers).toBe(n);
  expect(d.tiers.map((t) => t.value_tier)).toEqual([1, 2, 3, 4, 5]);
  expect(d.tiers.reduce((s, t) => s + (t.share as number), 0)).toBeCloseTo(1, 9);
  expect(d.actions.reduce((s, a) => s + (a.customers as number), 0)).toBe(n);
  expect(d.atRisk.length).toBeLessThanOrEqual(50);
  expect(d.atRisk.every((c) => typeof c.contact === 'boolean')).toBe(true);
  expect(d.kpis.length).toBe(13);
  expect(d.monthly.map((m) => m.month)).toEqual([...d.monthly.map((m) => m.month)].sort());
  // The demo's seven bad lines, each of its own class, with its first line.
  expect(d.rejects.reduce((s, r) => s + (r.lines as number), 0)).toBe(7);
  expect(d.rejects.map((r) => r.reason_class).sort()).toEqual(['amount_decimal_comma', 'amount_not_a_number', 'currency_without_rate', 'order_ts_after_run_time',
    'order_ts_implausible_date', 'order_ts_not_a_date', 'too_few_columns']);
  expect(d.transitions).toEqual([]);
  expect(d.concentration.at(-1)!.customers).toBe(1);
  expect(d.concentration.at(-1)!.value).toBeCloseTo(1, 9);
});

test("the ambassadors' counts and shares are customer_scores', counted here row by row", async () => {
  const d = await loadReportData(run.db, 'test-run');
  const rows = await run.db.all<{ customer_id: string; value_score: number; is_ambassador: boolean; referred_customers: number | null; referred_value: number | null }>(
    'SELECT customer_id, value_score, is_ambassador, referred_customers, referred_value FROM customer_scores');
  const ambassadors = rows.filter((r) => r.is_ambassador);
  const referrers = ambassadors.filter((r) => (r.referred_customers ?? 0) > 0);
  expect(ambassadors.length).toBeGreaterThan(20);
  expect(referrers.length).toBeGreaterThan(0);
  expect(referrers.length).toBeLessThan(ambassadors.length);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  expect(d.ambassadors).toHaveLength(20);
  for (const a of d.ambassadors) {
    expect(a.ambassadors).toBe(ambassadors.length);
    expect(a.referrers).toBe(referrers.length);
    expect(a.share_of_customers).toBe(ambassadors.length / rows.length);
    expect(a.share_of_value as number).toBeCloseTo(sum(ambassadors.map((r) => r.value_score)) / sum(rows.map((r) => r.value_score)), 12);
  }
  const ranked = [...ambassadors].sort((x, y) => (y.value_score + (y.referred_value ?? 0)) - (x.value_score + (x.referred_value ?? 0)) || (x.customer_id < y.customer_id ? -1 : 1));
  expect(d.ambassadors.map((a) => a.customer_id)).toEqual(ranked.slice(0, 20).map((r) => r.customer_id));
});

test('the movements and the VIPs now at high risk compare with the latest earlier run of the history, counted here customer by customer', async () => {
  const db = run.db;
  const insertRun = (runId: string, days: number, change: string) => db.run(`INSERT INTO customer_scores_history
    SELECT * REPLACE (CAST(as_of AS DATE) + ${days} AS as_of, ${change}) FROM (${readSql('publish/customer_scores_history.sql')})`, { run_id: runId, horizon: 90 });
  // Each candidate run changes other customers' figures: only the right one's give the counts below. An earlier run, two
  // runs of the previous as-of (the greater id is the latest), a later as-of (not earlier) and this run's own rows.
  await insertRun('r-60', -60, `CASE WHEN hash(customer_id) % 3 = 0 THEN 6 - value_tier ELSE value_tier END AS value_tier`);
  await insertRun('r-30-a', -30, `CASE WHEN hash(customer_id) % 5 = 0 THEN 'lost' ELSE segment END AS segment`);
  await insertRun('r-30-b', -30, `CASE WHEN hash(customer_id) % 4 = 0 THEN 'low' ELSE churn_risk END AS churn_risk, CASE WHEN hash(customer_id) % 7 = 0 THEN NOT is_vip ELSE is_vip END AS is_vip`);
  await insertRun('r+10', 10, `'new' AS segment`);
  await insertRun('test-run', 0, `1 AS value_tier`);
  try {
    const d = await loadReportData(db, 'test-run');
    const now = await db.all<{ customer_id: string; value_tier: number; segment: string; churn_risk: string; is_vip: boolean; value_at_risk: number }>(
      'SELECT customer_id, value_tier, segment, churn_risk, is_vip, value_at_risk FROM customer_scores');
    const before = new Map((await db.all<{ customer_id: string; value_tier: number; segment: string; churn_risk: string; is_vip: boolean }>(
      `SELECT customer_id, value_tier, segment, churn_risk, is_vip FROM customer_scores_history WHERE run_id = 'r-30-b'`)).map((r) => [r.customer_id, r]));
    const counts = new Map<string, number>();
    for (const c of now) {
      const p = before.get(c.customer_id)!;
      for (const [dimension, previous, current] of [['value_tier', String(p.value_tier), String(c.value_tier)], ['segment', p.segment, c.segment],
        ['churn_risk', p.churn_risk, c.churn_risk], ['is_vip', String(p.is_vip), String(c.is_vip)]] as const) {
        const key = `${dimension}|${previous}|${current}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    expect(new Map(d.transitions.map((t) => [`${t.dimension}|${t.previous}|${t.current}`, Number(t.customers)]))).toEqual(counts);
    expect(d.transitions.filter((t) => t.dimension === 'churn_risk' && t.previous !== t.current).length).toBeGreaterThan(0);
    const toHigh = now.filter((c) => c.is_vip && c.churn_risk === 'high' && before.get(c.customer_id)!.churn_risk !== 'high')
      .sort((a, b) => b.value_at_risk - a.value_at_risk || (a.customer_id < b.customer_id ? -1 : 1));
    expect(toHigh.length).toBeGreaterThan(0);
    expect(d.vipsToHigh.map((r) => r.customer_id)).toEqual(toHigh.slice(0, 25).map((c) => c.customer_id));
  } finally {
    await db.run(`DELETE FROM customer_scores_history WHERE run_id IN ('r-60', 'r-30-a', 'r-30-b', 'r+10', 'test-run')`);
  }
});
