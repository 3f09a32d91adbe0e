import { describe, expect, test } from 'vitest';
import { listFilter } from '../../pipeline/cli/listCommand.js';
import { Database } from '../../pipeline/db/Database.js';
import { UsageError } from '../../pipeline/errors.js';
import { runCli } from '../helpers/cli.js';
import { scoredDatabase } from '../helpers/scoredDatabase.js';
import { withTempDir } from '../helpers/withDb.js';

const ids = (stdout: string) => (JSON.parse(stdout) as { customer_id: string }[]).map((r) => r.customer_id);

describe('fidelio list', () => {
  test('at-risk-vip: contactable VIPs at medium or high risk, most value at risk first', async () => {
    await withTempDir(async (dir) => {
      const db = await scoredDatabase(dir);
      const out = await runCli(['list', 'at-risk-vip', '--db', db, '--format', 'json']);
      expect(out.code).toBe(0);
      // c3 is at low risk, c4 not a VIP, c5 not to contact.
      expect(ids(out.stdout)).toEqual(['c1', 'c2']);
      expect(ids((await runCli(['list', 'at-risk-vip', '--db', db, '--format', 'json', '--risk', 'high'])).stdout)).toEqual(['c1']);
      expect(ids((await runCli(['list', 'at-risk-vip', '--db', db, '--format', 'json', '--top', '1'])).stdout)).toEqual(['c1']);
    });
  });

  test('an action with tier, segment and country filters; CSV by default', async () => {
    await withTempDir(async (dir) => {
      const db = await scoredDatabase(dir);
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json'])).stdout)).toEqual(['c1', 'c2', 'c4']);
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json', '--tier', '2'])).stdout)).toEqual(['c4']);
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json', '--segment', 'loyal,at_risk'])).stdout)).toEqual(['c2', 'c4']);
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json', '--country', 'ES'])).stdout)).toEqual(['c1', 'c4']);
      const csv = (await runCli(['list', 'save', '--db', db, '--country', 'FR'])).stdout.trim().split('\n');
      expect(csv[0]).toBe('customer_id,is_vip,churn_risk,action,value_tier,segment,contact,value_at_risk');
      expect(csv.slice(1)).toEqual(['c2,true,medium,save,1,loyal,true,500']);
    });
  });

  test('an unknown list, risk level or tier is a usage error, naming what is expected', () => {
    const base = { format: 'csv' as const, risk: 'medium,high' };
    expect(() => listFilter('everyone', base)).toThrow(UsageError);
    expect(() => listFilter('at-risk-vip', { ...base, risk: 'extreme' })).toThrow('--risk: unknown level(s) extreme; expected low, medium, high');
    expect(() => listFilter('save', { ...base, tier: '6' })).toThrow('--tier: expected numbers 1 to 5, got "6"');
    expect(listFilter('grow', { ...base, segment: 'loyal' })).toEqual({ where: ['s.contact', 's.action IN ($action0)', 's.segment IN ($segment0)'], params: { action0: 'grow', segment0: 'loyal' } });
  });

  test('a database that does not exist or has no scores yet says to run the pipeline first (exit 2)', async () => {
    await withTempDir(async (dir) => {
      const out = await runCli(['list', 'save', '--db', `${dir}/none.duckdb`]);
      expect(out.code).toBe(2);
      expect(out.errors).toContain('none.duckdb does not exist: run "fidelio run" first');
      (await Database.open(`${dir}/empty.duckdb`)).close();
      const empty = await runCli(['list', 'save', '--db', `${dir}/empty.duckdb`]);
      expect(empty.code).toBe(2);
      expect(empty.errors).toContain('has no customer_scores yet: run "fidelio run" first');
    });
  });
});
