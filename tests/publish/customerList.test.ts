import { expect, test } from 'vitest';
import { migrate } from '../../pipeline/db/migrations.js';
import { formatList, listFilter, listName, rankingOf, selectList } from '../../pipeline/publish/customerList.js';
import { reportList } from '../../pipeline/publish/reportData.js';
import { withDb } from '../helpers/withDb.js';

/** Six scored customers: a control held back at the top of the save list, two VIPs at risk, one at low risk. */
async function scores(db: Parameters<Parameters<typeof withDb>[0]>[0]) {
  await migrate(db);
  await db.run(`CREATE TABLE customer_scores AS SELECT * FROM (VALUES
    ('a', DATE '2026-09-30', 0.5, 'medium', true, 'save', 2, 1000.0, 10.0, true, 'loyal', 'p1', 1, 'no order for 50 days', 500.0, 40, 'EUR'),
    ('b', DATE '2026-09-30', 0.9, 'high', true, 'save', 1, 2000.0, 30.0, false, 'cant_lose', 'p2', 1, 'no order for 90 days', 100.0, 90, 'EUR'),
    ('c', DATE '2026-09-30', 0.8, 'high', true, 'save', 3, 600.0, 5.0, true, 'at_risk', 'p1', 1, 'no order for 70 days', 300.0, 70, 'EUR'),
    ('d', DATE '2026-09-30', 0.1, 'low', true, 'surprise', 1, 5000.0, 1.0, true, 'champions', 'p2', 1, 'bought 3 days ago', 4000.0, 3, 'EUR'),
    ('e', DATE '2026-09-30', 0.7, 'medium', false, 'save', 4, 400.0, 2.0, true, 'at_risk', 'p1', 2, 'no order for 60 days', 50.0, 60, 'EUR'),
    ('f', DATE '2026-09-30', 0.95, 'high', true, 'win_back', 1, 800.0, 20.0, true, 'lost', 'p1', 1, 'no order for 200 days', 25.0, 200, 'EUR')
  ) t(customer_id, as_of, churn_probability, churn_risk, is_vip, action, action_priority, value_if_retained, value_kept, contact, segment, persona,
      value_tier, reasons, predicted_clv_12m, days_since_last_order, currency)`);
  await db.run(`INSERT INTO customers (customer_id, name, email) VALUES ('a', 'Ana', 'ana@example.org'), ('c', '=cmd|calc', NULL)`);
}

test('a list is numbered among the customers it shows, ranked by the column it shows, with names where known', async () => {
  await withDb(async (db) => {
    await scores(db);
    const save = await selectList(db, { scores: 'customer_scores', customers: true }, { ...listFilter('save', { format: 'csv', risk: 'medium,high' }) });
    // b is the action's first but held back (a control): a is the first listed, numbered 1.
    expect(save.rows.map((r) => [r.priority, r.customer_id])).toEqual([[1, 'a'], [2, 'c'], [3, 'e']]);
    expect(save.ranking.column).toBe('value_kept_EUR');
    expect(save.columns).toEqual(['priority', 'customer_id', 'name', 'email', 'value_tier', 'segment', 'persona', 'churn_probability_pct', 'value_kept_EUR', 'value_at_stake_EUR',
      'predicted_clv_12m_EUR', 'action', 'reasons', 'last_order_date']);
    expect(save.rows[0]).toMatchObject({ name: 'Ana', email: 'ana@example.org', churn_probability_pct: 50, value_kept_EUR: 10, value_at_stake_EUR: 500, last_order_date: '2026-08-21' });
    // The at-risk VIPs by value kept: f 20, a 10, c 5 (value at stake shown beside); b is held back, d at low risk, e no VIP.
    const vips = await selectList(db, { scores: 'customer_scores', customers: true }, { ...listFilter('at_risk_vip', { format: 'csv', risk: 'medium,high' }), top: 2 });
    expect(vips.ranking.column).toBe('value_kept_EUR');
    expect(vips.rows.map((r) => [r.priority, r.customer_id, r.value_kept_EUR, r.value_at_stake_EUR])).toEqual([[1, 'f', 20, 760], [2, 'a', 10, 500]]);
    // The report's list is this selection with the CLI's default filters.
    const report = await reportList(db);
    const cli = await selectList(db, { scores: 'customer_scores', customers: true }, { ...listFilter('at-risk-vip', { format: 'csv', risk: 'medium,high' }), top: 25 });
    expect(report).toEqual(cli);
    expect(report.rows.map((r) => r.customer_id)).toEqual(['f', 'a', 'c']);
  });
});

test('CSV: formula-safe text, a header even when empty; --all-columns keeps every column unrounded', async () => {
  await withDb(async (db) => {
    await scores(db);
    const list = await selectList(db, { scores: 'customer_scores', customers: true }, { ...listFilter('save', { format: 'csv', risk: 'medium,high', segment: 'at_risk' }) });
    const lines = formatList(list, 'csv').trim().split('\n');
    expect(lines[1]).toBe("1,c,'=cmd|calc,,1,at_risk,p1,80,5,480,300,save,no order for 70 days,2026-07-22");
    const none = await selectList(db, { scores: 'customer_scores', customers: true }, { ...listFilter('grow', { format: 'csv', risk: 'medium,high' }) });
    expect(formatList(none, 'csv')).toBe(`${none.columns.join(',')}\n`);
    expect(none.columns[0]).toBe('priority');
    const all = await selectList(db, { scores: 'customer_scores', customers: false }, { ...listFilter('win-back', { format: 'csv', risk: 'medium,high' }), allColumns: true });
    expect(all.columns).toEqual(['priority', 'customer_id', 'as_of', 'churn_probability', 'churn_risk', 'is_vip', 'action', 'action_priority', 'value_if_retained', 'value_kept',
      'contact', 'segment', 'persona', 'value_tier', 'reasons', 'predicted_clv_12m', 'days_since_last_order', 'currency']);
    expect(JSON.parse(formatList(all, 'json'))[0]).toMatchObject({ priority: 1, customer_id: 'f', churn_probability: 0.95 });
  });
});

test('list names: hyphens or underscores alike; the ranking of a publication from before value_kept', () => {
  expect(['win-back', 'WIN_BACK', 'at_risk_vip', 'ambassador'].map(listName)).toEqual(['win_back', 'win_back', 'at-risk-vip', 'ambassador']);
  expect(() => listName('vip')).toThrow('list: unknown list "vip"');
  expect(rankingOf('save', new Set(['value_at_risk'])).column).toBe('value_at_risk');
  expect(rankingOf('ambassador', new Set(['referred_value'])).sql).toBe('s.value_score + s.referred_value');
});

test('at-risk-vip ranks by what a save can bring back, never more than the 12-month CLV: a VIP almost surely gone falls below a champion at even odds', async () => {
  await withDb(async (db) => {
    await migrate(db);
    // value_kept as customer_scores.sql builds it, computed here: min(value_if_retained x churn x the action's rate, CLV) - cost.
    const cost = 1;
    const rate: Record<string, number> = { save: 0.2, win_back: 0.1 };
    const customers = [
      // gone: 426 days silent, churn 99.6%, CLV 8.56 but 2,126 at stake; champ: churn 55.6%, CLV 1,849, 1,668 at stake.
      { id: 'gone', churn: 0.996, action: 'win_back', vir: 2134.5, clv: 8.56 },
      { id: 'champ', churn: 0.556, action: 'save', vir: 3000, clv: 1849 },
      { id: 'mid', churn: 0.7, action: 'save', vir: 900, clv: 400 },
      { id: 'faded', churn: 0.98, action: 'win_back', vir: 1500, clv: 40 },
    ].map((c) => ({ ...c, kept: Math.min(c.vir * c.churn * rate[c.action]!, c.clv) - cost }));
    await db.run(`CREATE TABLE customer_scores AS SELECT * FROM (VALUES ${customers.map((c) => `('${c.id}', DATE '2026-09-30', ${c.churn}, 'high', true, '${c.action}', ${c.vir}, ${c.kept}, true, ${c.clv}, 'EUR')`).join(', ')})
      t(customer_id, as_of, churn_probability, churn_risk, is_vip, action, value_if_retained, value_kept, contact, predicted_clv_12m, currency)`);
    const list = await selectList(db, { scores: 'customer_scores', customers: false }, { ...listFilter('at-risk-vip', { format: 'csv', risk: 'medium,high' }) });
    const byKept = [...customers].sort((a, b) => b.kept - a.kept).map((c) => c.id);
    expect(byKept).toEqual(['champ', 'mid', 'faded', 'gone']);
    expect(list.rows.map((r) => r.customer_id)).toEqual(byKept);
    // The ranking figure is bounded by the CLV; the value at stake, unbounded, stays beside it.
    for (const r of list.rows) expect(Number(r.value_kept_EUR)).toBeLessThanOrEqual(Number(r.predicted_clv_12m_EUR));
    expect(list.rows.at(-1)).toMatchObject({ customer_id: 'gone', value_kept_EUR: 7.56, value_at_stake_EUR: 2125.96, predicted_clv_12m_EUR: 8.56 });
    expect(list.ranking.meaning).toMatch(/never more than the 12-month CLV/);
  });
});
