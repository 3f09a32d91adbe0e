import { existsSync, readFileSync, realpathSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { main } from '../../pipeline/cli.js';
import { silentLogger } from '../../pipeline/log.js';
import { Database } from '../../pipeline/db/Database.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Runs the CLI in-process, capturing standard output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(args, silentLogger, (t) => {
    stdout += t;
  });
  return { code, stdout };
}

const CONTRACT_COLUMNS = [
  'customer_id', 'as_of', 'churn_probability', 'churn_risk', 'p_alive', 'expected_purchases', 'predicted_value',
  'predicted_clv_12m', 'historic_value', 'orders_count', 'days_since_last_order', 'expected_next_order_date', 'value_tier',
  'is_vip', 'segment', 'action', 'action_priority', 'value_at_risk', 'reasons', 'model_version',
];

/** One CSV record's fields: quotes group, doubled quotes are a quote. */
function splitRecord(line: string): string[] {
  const values: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"' && quoted && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      values.push(field);
      field = '';
    } else field += ch;
  }
  values.push(field);
  return values;
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = splitRecord(header!);
  return lines.map((line) => {
    const values = splitRecord(line);
    return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
  });
}

describe('fidelio run on the demo data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-e2e-'));
  const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 1500 } }));
  const args = ['run', '--db', join(dir, 'db', 'fidelio.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config];
  let first: { code: number; stdout: string };
  let scores: Record<string, string>[];
  const firstFiles: Record<string, string> = {};

  beforeAll(async () => {
    first = await cli(args);
    scores = parseCsv(readFileSync(join(dir, 'out', 'customer_scores.csv'), 'utf8'));
    for (const f of ['kpis_by_group.csv', 'kpis_monthly.csv', 'model_metrics.json']) firstFiles[f] = readFileSync(join(dir, 'out', f), 'utf8');
  }, 120_000);

  test('exits 0 and prints where it published', () => {
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ out: join(dir, 'out') });
  });

  test('customer_scores has every contract column and one row per customer', () => {
    expect(Object.keys(scores[0]!)).toEqual(expect.arrayContaining(CONTRACT_COLUMNS));
    expect(scores).toHaveLength(1500);
    expect(new Set(scores.map((s) => s.customer_id)).size).toBe(1500);
  });

  test('scores are coherent: probabilities in [0,1], five equal tiers, VIPs within the cap, every action present', () => {
    for (const s of scores) {
      expect(Number(s.churn_probability)).toBeGreaterThanOrEqual(0);
      expect(Number(s.churn_probability)).toBeLessThanOrEqual(1);
      expect(Number(s.p_alive)).toBeLessThanOrEqual(1);
      expect(Number(s.value_at_risk)).toBeCloseTo(Number(s.predicted_clv_12m) * Number(s.churn_probability), 6);
    }
    const tiers = new Map<string, number>();
    for (const s of scores) tiers.set(s.value_tier!, (tiers.get(s.value_tier!) ?? 0) + 1);
    expect([...tiers.entries()].sort()).toEqual([['1', 300], ['2', 300], ['3', 300], ['4', 300], ['5', 300]]);
    const vips = scores.filter((s) => s.is_vip === 'true');
    expect(vips.length).toBeGreaterThan(0);
    expect(vips.length).toBeLessThanOrEqual(300);
    expect(vips.every((v) => v.value_tier === '1')).toBe(true);
    expect(new Set(scores.map((s) => s.action))).toEqual(new Set(['save', 'surprise', 'grow', 'nurture', 'win_back', 'none']));
  });

  test('the manifest accounts for every input line', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
    expect(manifest.outcome).toBe('succeeded');
    expect(manifest.stages.map((s: { name: string }) => s.name)).toEqual(['ingest', 'features', 'train', 'score', 'publish']);
    for (const input of manifest.inputs) {
      expect(input.rows_read).toBe(input.rows_accepted + input.rows_rejected + input.rows_duplicate);
      expect(input.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const orders = manifest.inputs.find((i: { kind: string }) => i.kind === 'orders');
    const lines = readFileSync(orders.path, 'utf8').trim().split('\n').length - 1;
    expect(orders.rows_read).toBe(lines);
    expect(orders.rows_rejected).toBe(7);
  });

  test('publishes the KPI table, metrics, report and a read-only database copy', async () => {
    for (const f of ['customer_scores.parquet', 'kpis_monthly.csv', 'model_metrics.json', 'report.html', 'fidelio.duckdb']) {
      expect(existsSync(join(dir, 'out', f)), f).toBe(true);
    }
    const metrics = JSON.parse(readFileSync(join(dir, 'out', 'model_metrics.json'), 'utf8'));
    expect(metrics.churn.auc).toBeGreaterThan(0.7);
    expect(metrics.churn.recency_baseline_auc).toBeGreaterThan(0.5);
    const copy = await Database.open(join(dir, 'out', 'fidelio.duckdb'), { readOnly: true });
    try {
      expect(await copy.value('SELECT count(*) FROM customer_scores')).toBe(1500);
    } finally {
      copy.close();
    }
  });

  test('a second run gives the same scores and republishes atomically through the link', async () => {
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(lstatSync(join(dir, 'out')).isSymbolicLink()).toBe(true);
    const second = parseCsv(readFileSync(join(dir, 'out', 'customer_scores.csv'), 'utf8'));
    expect(second).toEqual(scores);
    // Every published table repeats to the byte (the KPI sums over DOUBLE columns are taken in customer order).
    for (const f of ['kpis_by_group.csv', 'kpis_monthly.csv', 'model_metrics.json']) expect(readFileSync(join(dir, 'out', f), 'utf8'), f).toBe(firstFiles[f]);
    expect(realpathSync(join(dir, 'out'))).not.toContain('.partial');
    expect(readdirSync(join(dir, '.out.releases')).filter((n) => !n.endsWith('.partial'))).toHaveLength(2);
  }, 120_000);

  test('on the demo: VIPs carry at least 60% of the value score; save and surprise customers are where they should be; every save has reasons', () => {
    const num = (r: Record<string, string>, k: string) => Number(r[k]);
    const total = scores.reduce((s, r) => s + Math.max(0, num(r, 'value_score')), 0);
    const vip = scores.filter((r) => r.is_vip === 'true');
    expect(vip.length).toBeLessThanOrEqual(scores.length / 3);
    expect(vip.reduce((s, r) => s + Math.max(0, num(r, 'value_score')), 0) / total).toBeGreaterThanOrEqual(0.6);
    const mean = (rows: Record<string, string>[], k: string) => rows.reduce((s, r) => s + num(r, k), 0) / rows.length;
    const save = scores.filter((r) => r.action === 'save');
    const surprise = scores.filter((r) => r.action === 'surprise');
    expect(mean(save, 'churn_probability')).toBeGreaterThan(mean(scores.filter((r) => r.value_tier <= '2'), 'churn_probability'));
    expect(mean(save, 'value_score')).toBeGreaterThan(mean(scores, 'value_score'));
    expect(mean(surprise, 'churn_probability')).toBeLessThan(mean(scores, 'churn_probability'));
    expect(mean(surprise, 'value_score')).toBeGreaterThan(mean(scores, 'value_score'));
    expect(save.every((r) => r.reasons.length > 0)).toBe(true);
  });

  test('list at-risk-vip prints VIPs at medium or high risk, most value kept first, never more than the 12-month CLV', async () => {
    const { code, stdout } = await cli(['list', 'at-risk-vip', '--db', join(dir, 'db', 'fidelio.duckdb'), '--top', '5', '--format', 'json', '--all-columns']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { is_vip: boolean; churn_risk: string; value_if_retained: number; churn_probability: number; value_kept: number; predicted_clv_12m: number }[];
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.is_vip && r.churn_risk !== 'low')).toBe(true);
    const kept = rows.map((r) => r.value_kept);
    expect(kept).toEqual([...kept].sort((a, b) => b - a));
    // What a save brings back is bounded by the 12-month CLV, whatever the value at stake.
    for (const r of rows) expect(r.value_kept).toBeLessThanOrEqual(r.predicted_clv_12m + 1e-9);
    // The first is the contactable at-risk VIP who keeps the most, recomputed from the published CSV.
    const vips = scores.filter((r) => r.is_vip === 'true' && r.churn_risk !== 'low' && r.contact === 'true');
    expect(kept[0]).toBeCloseTo(Math.max(...vips.map((r) => Number(r.value_kept))), 6);
    for (const r of vips) expect(Number(r.value_kept)).toBeLessThanOrEqual(Number(r.predicted_clv_12m) + 1e-9);
  });

  test("the report's list of VIPs to save is the CLI's: the same customers in the same order, with the value it ranks by", async () => {
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    const table = /<table id="list-at-risk-vip"[^>]*>([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    const cells = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!));
    const heads = [...table.matchAll(/<th class="[lr]">([\s\S]*?)<\/th>/g)].map((m) => m[1]!);
    const { code, stdout } = await cli(['list', 'at-risk-vip', '--db', join(dir, 'db', 'fidelio.duckdb'), '--top', '25', '--format', 'json']);
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as Record<string, number | string>[];
    expect(listed.length).toBeGreaterThan(3);
    const stakeColumn = Object.keys(listed[0]!).find((k) => k.startsWith('value_at_stake_'))!;
    expect(stakeColumn).toBe('value_at_stake_USD');
    const at = (name: string) => heads.findIndex((h) => h.startsWith(name));
    expect(cells.map((r) => r[at('customer')])).toEqual(listed.map((r) => r.customer_id));
    expect(cells.map((r) => Number(r[at('#')]))).toEqual(listed.map((_, i) => i + 1));
    // The ranking column is shown and named, the value at stake beside it: their figures are the CLI's, rounded to whole units for the page.
    expect(heads[at('value kept')]).toBe('value kept (USD), ranked by');
    expect(cells.map((r) => r[at('value kept')])).toEqual(listed.map((r) => Math.round(Number(r.value_kept_USD)).toLocaleString('en-US')));
    expect(heads[at('value at stake')]).toBe('value at stake (USD)');
    expect(cells.map((r) => r[at('value at stake')])).toEqual(listed.map((r) => Math.round(Number(r[stakeColumn])).toLocaleString('en-US')));
  });

  test('list ACTION with filters: only contactable customers of that action, tier and segment', async () => {
    const { code, stdout } = await cli(['list', 'surprise', '--db', join(dir, 'db', 'fidelio.duckdb'), '--tier', '1', '--format', 'json', '--all-columns']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { action: string; value_tier: number; contact: boolean; is_control: boolean }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.action === 'surprise' && r.value_tier === 1 && r.contact && !r.is_control)).toBe(true);
    const all = scores.filter((r) => r.action === 'surprise' && r.value_tier === '1');
    expect(rows.length).toBe(all.filter((r) => r.contact === 'true').length);
    expect((await cli(['list', 'bogus', '--db', join(dir, 'db', 'fidelio.duckdb')])).code).toBe(2);
  });
});

describe('usage errors exit 2 with every problem listed', () => {
  test('a bad config', async () => {
    await withTempDir(async (dir) => {
      const config = writeFile(dir, 'c.json', JSON.stringify({ horizonDays: 2, colour: 'red', scoring: { vip: { rule: 'x' } } }));
      const messages: string[] = [];
      const log = { ...silentLogger, error: (_: unknown, m: string) => messages.push(m) } as unknown as typeof silentLogger;
      const code = await main(['run', '--config', config, '--db', join(dir, 'f.duckdb')], log, () => undefined);
      expect(code).toBe(2);
      expect(messages[0]).toContain('horizonDays: Too small');
      expect(messages[0]).toContain('unknown key(s) "colour"');
      expect(messages[0]).toContain('scoring.vip.rule');
    });
  });

  test('an unknown option', async () => {
    expect((await cli(['run', '--bogus'])).code).toBe(2);
  });

  test('a missing orders file', async () => {
    await withTempDir(async (dir) => {
      expect((await cli(['run', '--orders', join(dir, 'nope.csv'), '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out')])).code).toBe(2);
    });
  });
});

describe('a second run on a later as-of', () => {
  test('fills the history table and the report shows the movements', async () => {
    await withTempDir(async (dir) => {
      const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 800 }, neural: false, scoring: { intervalDraws: 0 } }));
      const db = join(dir, 'f.duckdb');
      const args = ['run', '--db', db, '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config];
      expect((await cli([...args, '--as-of', '2026-06-30'])).code).toBe(0);
      expect(readFileSync(join(dir, 'out', 'report.html'), 'utf8')).toContain('No earlier run to compare with');
      expect((await cli([...args, '--as-of', '2026-09-30'])).code).toBe(0);
      const copy = await Database.open(join(dir, 'out', 'fidelio.duckdb'), { readOnly: true });
      try {
        const runs = await copy.all<{ as_of: string; n: number }>('SELECT CAST(as_of AS VARCHAR) AS as_of, count(*) AS n FROM customer_scores_history GROUP BY 1 ORDER BY 1');
        expect(runs.map((r) => r.as_of)).toEqual(['2026-06-30', '2026-09-30']);
      } finally {
        copy.close();
      }
      const report = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
      expect(report).toMatch(/\d+ customers changed value tier, \d+ changed segment, \d+ changed churn risk band, \d+ VIPs moved to high risk/);
    });
  }, 120_000);
});

describe('the model registry across runs', () => {
  test('a second run reuses a recent champion, --retrain trains again, models list and rollback', async () => {
    await withTempDir(async (dir) => {
      const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 600 } }));
      const db = join(dir, 'f.duckdb');
      const args = ['run', '--db', db, '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config];
      expect((await cli(args)).code).toBe(0);
      const first = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
      expect(first.model).toMatchObject({ trained: first.model_version, promoted: true });

      expect((await cli(args)).code).toBe(0);
      const second = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
      expect(second.model.trained).toBeNull();
      expect(second.model.reason).toContain('still fits');
      expect(second.model_version).toBe(first.model_version);

      // Retraining on the same data gives the same model (seeded), which stays the champion.
      expect((await cli([...args, '--retrain'])).code).toBe(0);
      const third = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
      expect(third.model.trained).toBe(first.model_version);

      const list = JSON.parse((await cli(['models', 'list', '--db', db])).stdout) as { model_version: string; status: string }[];
      expect(list).toEqual([expect.objectContaining({ model_version: first.model_version, status: 'champion' })]);
      const show = JSON.parse((await cli(['models', 'show', first.model_version, '--db', db])).stdout);
      expect(show.meta.data_fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(show.metrics.holdout.cutoff).toBeDefined();
      // Nothing to roll back to: a usage error.
      expect((await cli(['models', 'rollback', '--db', db])).code).toBe(2);
    });
  }, 180_000);
});
