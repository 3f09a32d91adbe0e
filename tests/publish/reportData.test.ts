import { afterAll, beforeAll, expect, test } from 'vitest';
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
