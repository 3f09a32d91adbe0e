import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database, literal } from '../../pipeline/db/Database.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import type { ActionEffect } from '../../pipeline/publish/buildActionEffects.js';
import { Random } from '../../pipeline/shared/random.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/**
 * The marketing loop on generated data with a known effect (issue 18): a
 * first run contacts customers and keeps control groups; the 60 days after
 * it are simulated from the published contact history with a true, seeded
 * effect per action (save: +20 points of retention; surprise: a placebo,
 * none); a second run a horizon later measures run 1 and must recover them.
 */
const HORIZON = 60;
const BASE = 0.35;
const EFFECT: Record<string, number> = { save: 0.2, surprise: 0, grow: 0.1, nurture: 0.1, win_back: 0.1 };
const AMOUNT = 40;

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

    // The 60 days after run 1, from what it published: each contacted or control customer buys once with probability
    // BASE, plus the action's true effect when contacted.
    const db = await Database.open(join(dir, 'out', 'fidelio.duckdb'), { readOnly: true });
    const history = await db.all<{ customer_id: string; action: string; contact: boolean }>(
      `SELECT customer_id, action, contact FROM customer_scores_history WHERE run_id = ${literal(firstRun)} AND action <> 'none' AND (contact OR is_control) ORDER BY customer_id`);
    db.close();
    const rng = new Random(99);
    const lines = ['order_id,customer_id,order_ts,amount,currency,category,channel,discount_used'];
    for (const [i, h] of history.entries()) {
      if (!rng.bernoulli(BASE + (h.contact ? EFFECT[h.action]! : 0))) continue;
      const day = new Date(Date.UTC(2026, 8, 30) + (1 + rng.int(HORIZON)) * 86_400_000).toISOString().slice(0, 10);
      lines.push(`F${i},${h.customer_id},${day}T12:00:00Z,${AMOUNT}.00,USD,toys,web,false`);
    }
    const followUp = writeFile(dir, 'follow-up.csv', lines.join('\n') + '\n');

    const second = await runCli(['run', '--orders', demo.orders, '--orders', followUp, '--as-of', '2026-11-29', ...common]);
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
    expect(save.retention_uplift_low!).toBeLessThan(EFFECT.save!);
    expect(save.retention_uplift_high!).toBeGreaterThan(EFFECT.save!);
    expect(save.retention_uplift_low!).toBeGreaterThan(0);
    expect(placebo.retention_uplift_low!).toBeLessThan(0);
    expect(placebo.retention_uplift_high!).toBeGreaterThan(0);
    expect(save.spend_uplift_low!).toBeLessThan(EFFECT.save! * AMOUNT);
    expect(save.spend_uplift_high!).toBeGreaterThan(EFFECT.save! * AMOUNT);
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
  });
}, 300_000);
