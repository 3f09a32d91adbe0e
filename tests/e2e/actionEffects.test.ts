import { readFileSync } from 'node:fs';
import { crmLoop } from '../../notebooks/crmLoop.js';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database, literal } from '../../pipeline/db/Database.js';
import { TRUE_EFFECTS, type FollowUp } from '../../pipeline/demo/followUp.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import type { ActionEffect } from '../../pipeline/effects/buildActionEffects.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/**
 * The marketing loop on generated data with a known effect (issue 18): a
 * first run contacts customers and keeps control groups; the demo
 * generator's follow-up (writeFollowUp) simulates the days after it from
 * what it published, with a true, seeded effect per action (save: +20
 * points of retention; surprise: a placebo, none); a second run a horizon
 * later measures run 1 and must recover them.
 */
const HORIZON = 60;

test('a second run a horizon later measures the first: the interval covers the true effect, the placebo\'s covers zero, and the budget uses the measured rate', async () => {
  await withTempDir(async (dir) => {
    const demo = generateDemoData(join(dir, 'demo'), { customers: 3000, seed: 23, months: 24 });
    const config = writeFile(dir, 'config.json', JSON.stringify({
      neural: false, horizonDays: HORIZON, scoring: { intervalDraws: 5, controlShare: 0.5, effects: { minGroup: 30, ratePrecision: 0.5 } },
    }));
    const common = ['--customers', demo.customers, '--tickets', demo.tickets, '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config];
    const first = await runCli(['run', '--orders', demo.orders, '--as-of', '2026-09-30', ...common]);
    expect(first.code, first.errors).toBe(0);
    const firstRun = JSON.parse(first.stdout).run_id as string;

    // The 60 days after run 1, as the demo generator simulates them from what run 1 published.
    const made = await runCli(['demo-data', '--follow-up', join(dir, 'out'), '--out', join(dir, 'after'), '--seed', '99']);
    expect(made.code, made.errors).toBe(0);
    const followUp = JSON.parse(made.stdout) as FollowUp;
    expect(followUp).toMatchObject({ run_id: firstRun, as_of: '2026-09-30', measure_as_of: '2026-11-29', days: HORIZON, true_effects: TRUE_EFFECTS });
    // The spend the save groups were expected to show, from who is in them: each customer buys once with
    // 1 - churn (plus the effect when contacted) at their mean order (the generator's amount, gamma-noised).
    // Spend is heavy-tailed (a VIP's order is many times another's), so the two groups' difference is set
    // against what these groups' members would spend, not against the effect on an average customer.
    const db = await Database.open(join(dir, 'out', 'fidelio.duckdb'), { readOnly: true });
    const expected = await db.all<{ contact: boolean; spend: number }>(`SELECT contact,
        avg(least(1, 1 - churn_probability + CASE WHEN contact THEN ${TRUE_EFFECTS.save} ELSE 0 END) * greatest(5, historic_value / greatest(orders_count, 1))) AS spend
      FROM customer_scores WHERE action = 'save' AND (contact OR is_control) GROUP BY contact`);
    db.close();
    const trueSpend = expected.find((e) => e.contact)!.spend - expected.find((e) => !e.contact)!.spend;

    const second = await runCli(['run', '--orders', demo.orders, '--orders', followUp.orders, '--as-of', followUp.measure_as_of, ...common]);
    expect(second.code, second.errors).toBe(0);
    const reader = await Database.open(':memory:');
    const effects = await reader.all<ActionEffect>(`SELECT * FROM read_parquet(${literal(join(dir, 'out', 'action_effects.parquet'))})`);
    reader.close();
    const ofRun1 = (action: string) => effects.find((e) => e.run_id === firstRun && e.action === action)!;
    const save = ofRun1('save');
    const placebo = ofRun1('surprise');
    expect([save.status, placebo.status]).toEqual(['measured', 'measured']);
    expect(save.controls).toBeGreaterThanOrEqual(30);
    expect(placebo.controls).toBeGreaterThanOrEqual(30);
    // The true effects lie inside the 90% intervals; the save is shown to work, the placebo is not.
    expect(save.retention_uplift_low!).toBeLessThan(TRUE_EFFECTS.save!);
    expect(save.retention_uplift_high!).toBeGreaterThan(TRUE_EFFECTS.save!);
    expect(save.retention_uplift_low!).toBeGreaterThan(0);
    expect(placebo.retention_uplift_low!).toBeLessThan(0);
    expect(placebo.retention_uplift_high!).toBeGreaterThan(0);
    expect(save.spend_uplift_low!).toBeLessThan(trueSpend);
    expect(save.spend_uplift_high!).toBeGreaterThan(trueSpend);
    // Run 2's own contacts are recorded, measurable a horizon later.
    expect(effects.filter((e) => e.run_id !== firstRun).every((e) => e.status === 'horizon_not_passed' && e.measurable_from === '2027-01-28')).toBe(true);

    // The second run's budget priced saves with the rate measured on run 1, and says so.
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
    const saveRate = manifest.action_rates.find((r: { action: string }) => r.action === 'save');
    expect(saveRate).toMatchObject({ source: 'measured', measured: { run_id: firstRun, as_of: '2026-09-30' } });
    expect(saveRate.rate).toBeCloseTo(save.save_rate!, 12);
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/save: \+\d+\.\d points of retention, 90% interval \+\d+\.\d to \+\d+\.\d; .* contacted against [\d,]+ controls \(run as of 2026-09-30\)\./);
    expect(html).toContain('measured on the run as of 2026-09-30');
    expect(second.logs.some((l) => /^save: the budget uses the measured save rate \d\.\d{3} \(90% interval .* run as of 2026-09-30\) instead of the assumed 0\.25/.test(l.msg))).toBe(true);

    // The CRM analyst's notebook says the same: the measured save in words, the rate the budget now uses.
    const loop = await crmLoop(join(dir, 'out'));
    expect(loop).toMatch(/save: \+\d+\.\d points of retention, 90% interval \+\d+\.\d to \+\d+\.\d; .* \(run as of 2026-09-30\)\./);
    expect(loop).toContain(`<td>save</td><td>${saveRate.rate}</td><td>measured</td><td>2026-09-30</td>`);
  });
}, 300_000);
