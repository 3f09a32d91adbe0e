import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { main } from '../../pipeline/cli.js';
import { Database } from '../../pipeline/db/Database.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { silentLogger } from '../../pipeline/log.js';
import { withTempDir } from '../helpers/withDb.js';

test('a run over a CSV with malformed rows of every kind exits 0 and accounts for every line', async () => {
  await withTempDir(async (dir) => {
    const demo = generateDemoData(join(dir, 'in'), { customers: 400, seed: 7, months: 24 });
    const good = readFileSync(demo.orders, 'utf8').trim().split('\n');
    const bad: [string | Buffer, string][] = [
      ['X1,C001,,10.00,USD,books,web,false', 'missing order_ts'],
      ['X2,C001,2025-02-30,10.00,USD,books,web,false', "order_ts '2025-02-30' is not an ISO 8601 date or timestamp"],
      ['X3,C001,2025-03-01,ten,USD,books,web,false', "amount 'ten' is not a number"],
      ['X4,C001,2025-03-01,"9,99",USD,books,web,false', "amount '9,99' uses a decimal comma; expected a decimal point"],
      ['X5,C001,2099-01-01,10.00,USD,books,web,false', 'after the time of the run'],
      ['X6,C001,2025-03-01,10.00', 'too few columns: expected 8'],
      ['X7,C001,2025-03-01,10.00,USD,books,web,false,extra', 'too many columns: expected 8, found 9'],
      ['X8,C001,2025-03-01,10.00,GBP,books,web,false', "currency 'GBP' is not USD"],
      [Buffer.concat([Buffer.from('X9,C0'), Buffer.from([0xc3, 0x28]), Buffer.from(',2025-03-01,1.00,USD,books,web,false')]), 'invalid UTF-8 bytes in the line'],
      [`X10,C001,2025-03-01,1.00,USD,${'x'.repeat(2 << 20)},web,false`, 'line longer than 1048576 bytes'],
    ];
    const orders = join(dir, 'orders.csv');
    writeFileSync(orders, good.join('\n') + '\n');
    for (const [line] of bad) appendFileSync(orders, Buffer.concat([Buffer.from(line), Buffer.from('\n')]));
    appendFileSync(orders, good[1] + '\n'); // an exact duplicate of the first data line
    // A guest order (no customer id) is a valid order: accepted, counted in revenue, never scored.
    appendFileSync(orders, 'G1,,2025-03-01T10:00:00Z,10.00,USD,books,web,false\n');

    const dbPath = join(dir, 'f.duckdb');
    const code = await main(['run', '--orders', orders, '--db', dbPath, '--out', join(dir, 'out'), '--models', join(dir, 'models')], silentLogger, () => undefined);
    expect(code).toBe(0);

    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'run_manifest.json'), 'utf8'));
    const [input] = manifest.inputs;
    const dataLines = good.length - 1 + bad.length + 2;
    expect(input).toMatchObject({ rows_read: dataLines, rows_accepted: good.length, rows_rejected: bad.length, rows_duplicate: 1 });

    const db = await Database.open(dbPath, { readOnly: true });
    try {
      const rejected = await db.all<{ line: number; reason: string }>('SELECT line, reason FROM rejected_rows ORDER BY line');
      expect(rejected.map((r) => r.line)).toEqual(bad.map((_, i) => good.length + 1 + i));
      rejected.forEach((r, i) => expect(r.reason).toContain(bad[i]![1]));
      const guest = await db.all<{ customer_id: string | null }>("SELECT customer_id FROM orders WHERE order_id = 'G1'");
      expect(guest).toEqual([{ customer_id: null }]);
      const scored = await db.all<{ n: bigint }>("SELECT count(*) AS n FROM customer_scores WHERE customer_id IS NULL OR customer_id = ''");
      expect(Number(scored[0]!.n)).toBe(0);
    } finally {
      db.close();
    }
  });
}, 120_000);
