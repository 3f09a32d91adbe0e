import { test } from 'vitest';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

test('scratch', async () => {
  await withTempDir(async (dir) => withDb(async (db) => {
    const f = writeFile(dir, 'o.csv', 'order_id,customer_id,order_ts,amount,currency\n1,c1,2024-01-01,10.5,USD\n2,c2,2024-01-02\n3,c3,2024-01-03,5,USD,extra\n\n4,"c,4",2024-01-04,"3,5",\n5,c5,2024-13-01,abc,\n6,,2024-01-01T10:00:00+02:00,1,EUR\n7,c7,2099-01-01,1,\n1,c1,2024-01-01,10.5,USD\n1,c1,2024-01-01,11.5,USD\n8,c8,2024-01-01,-3,usd\n');
    const opts = { runId: 'r1', runTime: new Date('2026-01-01T00:00:00Z'), currency: 'USD', delimiter: ',', columns: { orders: {}, customers: {}, tickets: {} } };
    console.log(await ingestInputs(db, { orders: [f] }, opts, silentLogger));
    console.log(await db.all('SELECT * FROM rejected_rows'));
    console.log(await db.all('SELECT * FROM orders'));
    console.log(await ingestInputs(db, { orders: [f] }, { ...opts, runId: 'r2' }, silentLogger));
  }));
});
