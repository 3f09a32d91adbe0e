import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import type { FollowUp } from '../../pipeline/demo/followUp.js';
import { demoArchetype, generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/**
 * Uplift targeting on the demo (issue 30): two campaigns, each followed by the demo's follow-up with an
 * effect per buyer type (the save drives web regulars away) and 80% reached, recorded with fidelio
 * contacts; the third run trains the save's uplift model on both, backtests it on the later, and, as it
 * beats risk ranking, its budget ranks by value if retained x predicted uplift and keeps from contact the
 * customers it predicts the save would drive away.
 */
const SEED = 23;

test('with two measured campaigns the budget switches to the uplift model where it beats risk ranking, and keeps the customers it would harm from contact', async () => {
  await withTempDir(async (dir) => {
    const demo = generateDemoData(join(dir, 'demo'), { customers: 6000, seed: SEED, months: 24, endDate: '2026-05-31' });
    const config = writeFile(dir, 'config.json', JSON.stringify({
      neural: false, horizonDays: 60, scoring: { intervalDraws: 5, controlShare: 0.5, effects: { minGroup: 30, ratePrecision: 0.5 } },
    }));
    const db = join(dir, 'f.duckdb');
    const out = join(dir, 'out');
    const common = ['--customers', demo.customers, '--tickets', demo.tickets, '--db', db, '--out', out, '--models', join(dir, 'models'), '--config', config];
    const orders = ['--orders', demo.orders];
    let asOf = '2026-05-31';
    for (const turn of [1, 2]) {
      const run = await runCli(['run', ...orders, '--as-of', asOf, ...common]);
      expect(run.code, run.errors).toBe(0);
      const made = await runCli(['demo-data', '--follow-up', out, '--out', join(dir, `after${turn}`), '--seed', String(97 + turn), '--by-type', '--demo-seed', String(SEED), '--reach', '0.8']);
      expect(made.code, made.errors).toBe(0);
      const f = JSON.parse(made.stdout) as FollowUp;
      const recorded = await runCli(['contacts', '--file', f.contacts_file!, '--db', db]);
      expect(recorded.code, recorded.errors).toBe(0);
      orders.push('--orders', f.orders);
      asOf = f.measure_as_of;
    }
    expect(asOf).toBe('2026-09-28');
    const third = await runCli(['run', ...orders, '--as-of', asOf, ...common]);
    expect(third.code, third.errors).toBe(0);

    const manifest = JSON.parse(readFileSync(join(out, 'run_manifest.json'), 'utf8'));
    const save = manifest.action_rates.find((r: { action: string }) => r.action === 'save').uplift;
    expect(save).toMatchObject({ test_as_of: '2026-07-30', budget_ranks_by: 'predicted_uplift' });
    expect(save.qini_model).toBeGreaterThan(save.qini_risk);
    expect(save.proposed).toBeGreaterThanOrEqual(200);
    const reader = await Database.open(join(out, 'fidelio.duckdb'), { readOnly: true });
    const saves = await reader.all<{ customer_id: string; contact: boolean; is_control: boolean; contact_blocked_by: string | null; predicted_uplift: number; value_kept: number; value_if_retained: number; predicted_clv_12m: number }>(
      `SELECT customer_id, contact, is_control, contact_blocked_by, predicted_uplift, value_kept, value_if_retained, predicted_clv_12m FROM customer_scores WHERE action = 'save'`);
    const cost = await reader.value<number>(`SELECT any_value(expected_value_retained - value_kept) FROM customer_scores WHERE contact`);
    reader.close();
    const flagged = saves.filter((s) => s.contact_blocked_by === 'negative_uplift');
    expect(save.negative_uplift).toBe(flagged.length);
    expect(flagged.length).toBeGreaterThan(0);
    // Flagged exactly when the predicted uplift is negative (and nothing else blocked them first); never contacted nor a control.
    expect(flagged.every((s) => s.predicted_uplift < 0 && !s.contact && !s.is_control)).toBe(true);
    expect(saves.filter((s) => s.contact).every((s) => s.predicted_uplift >= 0)).toBe(true);
    // What a contact keeps: the value at stake x the predicted uplift, never more than the 12-month forecast (issue 31's bound).
    for (const s of saves) expect(s.value_kept).toBeCloseTo(Math.min(s.value_if_retained * s.predicted_uplift, s.predicted_clv_12m) - cost, 6);
    // Those kept from contact are mostly the ones the save harms: web regulars (-15 points) are over-represented
    // among them, the app bargain hunters it keeps (+25) under-represented.
    const share = (xs: typeof saves, type: string) => xs.filter((s) => demoArchetype(SEED, Number(s.customer_id.slice(1))) === type).length / xs.length;
    expect(share(flagged, 'web_regular')).toBeGreaterThan(share(saves, 'web_regular'));
    expect(share(flagged, 'app_bargain_hunter')).toBeLessThan(share(saves, 'app_bargain_hunter'));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain(`save: ranked by value if retained x predicted uplift (its uplift model beat risk ranking: Qini ${save.qini_model.toFixed(4)} against ${save.qini_risk.toFixed(4)} for risk ranking on the campaign as of 2026-07-30); ${flagged.length} customers whose predicted uplift is negative not contacted`);
  });
}, 400_000);
