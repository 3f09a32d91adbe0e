import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { WorkingDatabase, WorkingDatabaseBusy, type Campaign } from '../../pipeline/serve/workingDatabase.js';
import { HOSTILE, servedFixture, type ServedFixture } from '../helpers/servedFixture.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

const campaign = (over: Partial<Campaign> = {}): Campaign => ({
  campaign: 'Q4 save', listName: 'save', channel: 'email', contactedOn: '2026-10-03', costPerContact: 0.4, currency: 'EUR', runId: 'r1', asOf: '2026-09-30',
  customers: [{ customer_id: 'C003', action: 'save' }, { customer_id: HOSTILE, action: 'surprise' }], ...over,
});

test('a customer\'s orders oldest first, refunds negative; their recorded contacts newest first', async () => {
  const w = new WorkingDatabase(f.db);
  const { orders, contacts } = await w.customer(HOSTILE);
  expect(orders.map((o) => o.order_id)).toEqual(['O1', 'O2', 'O3', 'O4', 'O5']);
  expect(orders.map((o) => o.amount)).toEqual([101, 102, -25.5, 104, 105]);
  expect(orders[0]!.order_date).toBe('2025-02-19');
  expect(contacts).toEqual([]);
  const id = await w.record(campaign(), new Date('2026-10-03T08:00:00Z'));
  await w.record(campaign({ campaign: 'later', contactedOn: '2026-10-20', customers: [{ customer_id: HOSTILE, action: 'surprise' }] }), new Date('2026-10-20T08:00:00Z'));
  expect(id).toMatch(/^cmp-[0-9a-f]{12}$/);
  const after = await w.customer(HOSTILE);
  expect(after.contacts.map((c) => [c.campaign, c.contacted_on, c.action, c.cost_per_contact])).toEqual([['later', '2026-10-20', 'surprise', 0.4], ['Q4 save', '2026-10-03', 'surprise', 0.4]]);
  const all = await w.campaigns();
  expect(all.map((c) => [c.campaign, c.customers, c.cost])).toEqual([['later', 1, 0.4], ['Q4 save', 2, 0.8]]);
});

test('the same campaign twice is refused; the id depends on what it holds', async () => {
  const w = new WorkingDatabase(f.db);
  const c = campaign({ campaign: 'twice' });
  const id = await w.record(c, new Date('2026-10-03T08:00:00Z'));
  await expect(w.record(c, new Date('2026-10-04T08:00:00Z'))).rejects.toThrow(DataError);
  await expect(w.record(c, new Date('2026-10-04T08:00:00Z'))).rejects.toThrow(`already recorded as ${id}`);
  expect(await w.record({ ...c, customers: c.customers.slice(0, 1) }, new Date())).not.toBe(id);
});

test('while a run holds the working database the reads and the write say it is busy, and the run is never blocked', async () => {
  // Another process holds the file read-write, as a run does.
  const holder = spawn(process.execPath, ['--input-type=module', '-e', `
    import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(${JSON.stringify(f.db)});
    await i.connect();
    process.stdout.write('ready\\n');
    setTimeout(() => process.exit(0), 20000);`], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      holder.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    const w = new WorkingDatabase(f.db);
    await expect(w.customer('C003')).rejects.toThrow(WorkingDatabaseBusy);
    await expect(w.record(campaign({ campaign: 'busy' }), new Date())).rejects.toThrow(WorkingDatabaseBusy);
  } finally {
    holder.kill();
  }
});

test('a missing working database is a data error naming it', async () => {
  await expect(new WorkingDatabase('/nowhere/f.duckdb').customer('x')).rejects.toThrow(/\/nowhere\/f.duckdb does not exist/);
});
