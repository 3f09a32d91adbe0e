import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/** A working database with a run as of 2026-01-01 and a later one as of 2026-02-01, and five customers who ordered. */
async function base(dir: string): Promise<string> {
  const path = join(dir, 'f.duckdb');
  const db = await Database.open(path);
  await migrate(db);
  await db.run(`INSERT INTO runs (run_id, started_at, as_of, outcome) VALUES
    ('20260101T000000Z-a', TIMESTAMPTZ '2026-01-01 06:00:00+00', DATE '2026-01-01', 'succeeded'),
    ('20260201T000000Z-b', TIMESTAMPTZ '2026-02-01 06:00:00+00', DATE '2026-02-01', 'succeeded'),
    ('20260215T000000Z-c', TIMESTAMPTZ '2026-02-15 06:00:00+00', DATE '2026-02-15', 'failed')`);
  await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
    SELECT 'o' || range, 'c' || range, TIMESTAMPTZ '2025-12-01 10:00:00+00', DATE '2025-12-01', 10 FROM range(1, 6)`);
  db.close();
  return path;
}

test('fidelio contacts --file records what marketing sent into recorded_contacts: each line accepted, rejected with its reason or counted as a duplicate; the same file again adds nothing', async () => {
  await withTempDir(async (dir) => {
    const dbPath = await base(dir);
    const file = writeFile(dir, 'january.csv', [
      'customer_id,action,contacted_at,channel,cost',
      'c1,save,2026-01-03,email,0.50',
      'c2,Save,2026-01-04T09:30:00Z,phone,',
      'c3,win_back,2026-02-02,email,1.25',
      'c1,save,2026-01-03,email,0.50',
      'c4,discount,2026-01-03,email,0.5',
      'c5,save,not a day,email,0.5',
      'c5,save,2099-01-01,email,0.5',
      'c5,save,2026-01-05,email,-1',
      '=HYPERLINK("x"),save,2026-01-05,email,0.5',
      ',save,2026-01-05,email,0.5',
    ].join('\n') + '\n');
    const first = await runCli(['contacts', '--file', file, '--db', dbPath, '--campaign', 'January saves']);
    expect(first.code, first.errors).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out).toMatchObject({ rows_read: 10, rows_accepted: 3, rows_rejected: 6, rows_duplicate: 1, customers: 3, campaign: 'January saves', by_action: { save: 2, win_back: 1 } });

    const db = await Database.open(dbPath, { readOnly: true });
    const recorded = await db.all(`SELECT customer_id, action, channel, CAST(contacted_on AS VARCHAR) AS day, cost_per_contact AS cost, run_id, CAST(as_of AS VARCHAR) AS as_of, source_line
      FROM recorded_contacts ORDER BY source_line`);
    // Each contact tied to the latest successful publication on or before its day (the failed run is not one).
    expect(recorded).toEqual([
      { customer_id: 'c1', action: 'save', channel: 'email', day: '2026-01-03', cost: 0.5, run_id: '20260101T000000Z-a', as_of: '2026-01-01', source_line: 2 },
      { customer_id: 'c2', action: 'save', channel: 'phone', day: '2026-01-04', cost: null, run_id: '20260101T000000Z-a', as_of: '2026-01-01', source_line: 3 },
      { customer_id: 'c3', action: 'win_back', channel: 'email', day: '2026-02-02', cost: 1.25, run_id: '20260201T000000Z-b', as_of: '2026-02-01', source_line: 4 },
    ]);
    const rejects = await db.all<{ line: number; reason_class: string; reason: string }>(`SELECT line, reason_class, reason FROM rejected_rows WHERE run_id = $1 AND kind = 'contacts' ORDER BY line`, [out.load_id]);
    expect(rejects.map((r) => [r.line, r.reason_class])).toEqual([
      [6, 'action_unknown'], [7, 'contacted_at_not_a_date'], [8, 'contacted_at_after_run_time'], [9, 'cost_negative'], [10, 'customer_id_unknown'], [11, 'missing_customer_id'],
    ]);
    expect(rejects[0]!.reason).toContain("action 'discount' is not one fidelio gives");
    expect(await db.value<string>('SELECT outcome FROM runs WHERE run_id = $1', [out.load_id])).toBe('succeeded');
    db.close();

    // The load's rejected lines, by its id, as every run's.
    const listed = await runCli(['rejected', '--run', out.load_id, '--db', dbPath]);
    expect(listed.code, listed.errors).toBe(0);
    expect(listed.stdout.split('\n').filter(Boolean)).toHaveLength(7);

    const again = await runCli(['contacts', '--file', file, '--db', dbPath]);
    expect(again.code, again.errors).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows_read: 10, rows_accepted: 0, rows_rejected: 6, rows_duplicate: 4 });
    const after = await Database.open(dbPath, { readOnly: true });
    expect(await after.value<number>('SELECT count(*) FROM recorded_contacts')).toBe(3);
    after.close();
  });
});

test('a contacts file without a required column, or missing, is a usage error naming it; nothing is recorded', async () => {
  await withTempDir(async (dir) => {
    const dbPath = await base(dir);
    const file = writeFile(dir, 'c.csv', 'customer_id,action,contacted_at\nc1,save,2026-01-03\n');
    const r = await runCli(['contacts', '--file', file, '--db', dbPath]);
    expect(r.code).toBe(2);
    expect(r.errors).toContain('lacks required column(s) "channel"');
    const gone = await runCli(['contacts', '--file', join(dir, 'nope.csv'), '--db', dbPath]);
    expect(gone.code).toBe(2);
    expect(gone.errors).toContain('nope.csv does not exist');
    const db = await Database.open(dbPath, { readOnly: true });
    expect(await db.value<number>('SELECT count(*) FROM recorded_contacts')).toBe(0);
    db.close();
  });
});
