import { expect, test } from 'vitest';
import { ingestContacts } from '../../pipeline/ingest/ingestContacts.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const OPTIONS = { loadId: 'load-1', runTime: new Date('2026-03-01T00:00:00Z'), currency: 'EUR', earliestDate: '1990-01-01' };

test('a contacts file lands in recorded_contacts, every line accounted for: accepted, rejected with its reason, or a duplicate; read again it adds nothing', async () => {
  await withTempDir(async (dir) => {
    await withDb(async (db) => {
      await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount)
        SELECT 'o' || range, 'c' || range, TIMESTAMPTZ '2025-12-01 10:00:00+00', DATE '2025-12-01', 10 FROM range(1, 4)`);
      const file = writeFile(dir, 'sent.csv', [
        'customer_id,action,contacted_at,channel,cost',
        'c1,save,2026-01-03,email,0.50',
        'c2,grow,2026-01-04,phone,',
        'c1,save,2026-01-03,email,0.50',
        'c3,discount,2026-01-03,email,0.5',
        'c9,save,2026-01-03,email,0.5',
        'c3,save,2026-01-05,email,-1',
      ].join('\n') + '\n');
      const first = await ingestContacts(db, file, { ...OPTIONS, campaign: 'January' });
      expect(first).toMatchObject({ rows_read: 6, rows_accepted: 2, rows_rejected: 3, rows_duplicate: 1, customers: 2, by_action: { save: 1, grow: 1 }, campaign: 'January' });
      expect(first.rows_read).toBe(first.rows_accepted + first.rows_rejected + first.rows_duplicate);
      const stored = await db.all<{ customer_id: string; action: string; channel: string; cost: number | null }>(
        'SELECT customer_id, action, channel, cost_per_contact AS cost FROM recorded_contacts ORDER BY customer_id');
      expect(stored).toEqual([
        { customer_id: 'c1', action: 'save', channel: 'email', cost: 0.5 },
        { customer_id: 'c2', action: 'grow', channel: 'phone', cost: null },
      ]);
      const rejected = await db.all<{ line: number; reason: string }>(`SELECT line, reason FROM rejected_rows WHERE run_id = 'load-1' ORDER BY line`);
      expect(rejected.map((r) => Number(r.line))).toEqual([5, 6, 7]);
      expect(rejected[0]!.reason).toContain('discount');
      expect(rejected[1]!.reason).toContain('c9');
      const again = await ingestContacts(db, file, { ...OPTIONS, loadId: 'load-2', campaign: 'January' });
      expect(again).toMatchObject({ rows_accepted: 0, rows_duplicate: 3, rows_rejected: 3 });
      expect(await db.value('SELECT count(*) FROM recorded_contacts')).toBe(2);
    });
  });
});
