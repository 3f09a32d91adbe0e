import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DataError } from '../../pipeline/errors.js';
import { ingestInputs, plainIngestOptions, type IngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { settingsKey } from '../../pipeline/ingest/loadedFiles.js';
import { silentLogger } from '../../pipeline/log.js';
import type { Database } from '../../pipeline/db/Database.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const options: IngestOptions = plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z'));
const HEADER = 'order_id,customer_id,order_ts,amount,currency';
const ORDERS = `${HEADER}\n1,c1,2025-01-01,10.00,USD\n2,c2,2025-01-02,20.00,USD\n3,c3,2025-01-03,oops,USD\n`;

const tableRows = (db: Database) => db.all('SELECT order_id, CAST(amount AS VARCHAR) AS amount, loaded_run FROM orders ORDER BY order_id');

describe('a file already loaded is not read again', () => {
  test('the same bytes under the same settings are skipped, naming the run that loaded them; the tables are unchanged', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'orders.csv', ORDERS);
        const [first] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
        expect(first).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1 });
        expect(first!.already_loaded).toBeUndefined();
        const before = await tableRows(db);
        // Another name for the same bytes (a copy in the next day's export folder) is the same file.
        const copy = join(dir, 'copy.csv');
        copyFileSync(path, copy);
        const [again, copied] = await ingestInputs(db, { orders: [path, copy] }, { ...options, runId: 'run-2' }, silentLogger);
        expect(again).toEqual({
          path, kind: 'orders', sha256: first!.sha256, rows_read: 0, rows_accepted: 0, rows_rejected: 0, rows_duplicate: 0, rows_new: 0, rows_updated: 0,
          exact_lines: true, grain: 'order', already_loaded: { run_id: 'run-1', path, rows_read: 3, rows_rejected: 1 },
        });
        expect(copied!.already_loaded).toEqual({ run_id: 'run-1', path, rows_read: 3, rows_rejected: 1 });
        expect(await tableRows(db)).toEqual(before);
        // The rejected line is carried under the run that skipped the file, once per skipped file and named as this run was given it,
        // as reading it would reject it.
        expect(await db.all('SELECT run_id, file, line, reason FROM rejected_rows ORDER BY run_id, file')).toEqual([
          { run_id: 'run-1', file: path, line: 4, reason: "amount 'oops' is not a number" },
          { run_id: 'run-2', file: copy, line: 4, reason: "amount 'oops' is not a number" },
          { run_id: 'run-2', file: path, line: 4, reason: "amount 'oops' is not a number" },
        ]);
        expect(again!.already_loaded).toMatchObject({ rows_rejected: 1 });
        expect(await db.value('SELECT count(*) FROM loaded_files')).toBe(1);
      }),
    );
  });

  test('changed bytes, changed settings or --reingest read the file again', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'orders.csv', ORDERS);
        await ingestInputs(db, { orders: [path] }, options, silentLogger);
        // The same file read with the decimal comma is another reading of its bytes.
        const comma = { ...options.formats, orders: { ...options.formats.orders, decimal: ',' as const } };
        const [reread] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-2', formats: comma }, silentLogger);
        expect(reread).toMatchObject({ rows_read: 3 });
        expect(reread!.already_loaded).toBeUndefined();
        const [forced] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-3', skipLoaded: false }, silentLogger);
        expect(forced).toMatchObject({ rows_read: 3, rows_duplicate: 2, rows_rejected: 1 });
        // The export grew by a day: read whole, its old lines duplicates, the new one added.
        writeFile(dir, 'orders.csv', `${ORDERS}4,c4,2025-01-04,40.00,USD\n`);
        const [grown] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-4' }, silentLogger);
        expect(grown).toMatchObject({ rows_read: 4, rows_new: 1, rows_duplicate: 2, rows_rejected: 1 });
        expect((await tableRows(db)).map((r) => r.order_id)).toEqual(['1', '2', '4']);
      }),
    );
  });

  test('a file stopped before its merge, or with lines dated after its run, is read again', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const bad = writeFile(dir, 'bad.csv', `${HEADER}\n1,c1,2025-01-01,x,USD\n2,c2,2025-01-02,y,USD\n`);
        await expect(ingestInputs(db, { orders: [bad] }, { ...options, maxRejectedShare: 0.5 }, silentLogger)).rejects.toBeInstanceOf(DataError);
        expect(await db.value('SELECT count(*) FROM loaded_files')).toBe(0);
        const [second] = await ingestInputs(db, { orders: [bad] }, { ...options, runId: 'run-2' }, silentLogger);
        expect(second).toMatchObject({ rows_read: 2, rows_rejected: 2 });

        const future = writeFile(dir, 'future.csv', `${HEADER}\n5,c5,2026-03-01,10.00,USD\n`);
        const [early] = await ingestInputs(db, { orders: [future] }, { ...options, runId: 'run-3' }, silentLogger);
        expect(early).toMatchObject({ rows_read: 1, rows_rejected: 1 });
        // Once its day has come the line is good: the file is read, not skipped.
        const [later] = await ingestInputs(db, { orders: [future] }, { ...options, runId: 'run-4', runTime: new Date('2026-04-01T00:00:00Z') }, silentLogger);
        expect(later).toMatchObject({ rows_read: 1, rows_accepted: 1, rows_new: 1 });
        const [after] = await ingestInputs(db, { orders: [future] }, { ...options, runId: 'run-5', runTime: new Date('2026-04-02T00:00:00Z') }, silentLogger);
        expect(after!.already_loaded).toEqual({ run_id: 'run-4', path: future, rows_read: 1, rows_rejected: 0 });
      }),
    );
  });
});

describe('a load whose rows were replaced is read again', () => {
  test('a later file that corrects rows wins, as when every file is read in order, even after the earlier file changes', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const base = writeFile(dir, 'orders.csv', `${HEADER}\n1,c1,2025-01-01,10.00,USD\n2,c2,2025-01-02,20.00,USD\n`);
        const fixes = writeFile(dir, 'corrections.csv', `${HEADER}\n2,c2,2025-01-02,22.00,USD\n`);
        await ingestInputs(db, { orders: [base, fixes] }, options, silentLogger);
        // The export grew by a day; read again, it puts order 2 back to 20.00, so the corrections are read again too.
        writeFile(dir, 'orders.csv', `${HEADER}\n1,c1,2025-01-01,10.00,USD\n2,c2,2025-01-02,20.00,USD\n3,c3,2025-01-03,30.00,USD\n`);
        const [grown, corrected] = await ingestInputs(db, { orders: [base, fixes] }, { ...options, runId: 'run-2' }, silentLogger);
        expect(grown).toMatchObject({ rows_read: 3, rows_new: 1, rows_updated: 1 });
        expect(corrected).toMatchObject({ rows_read: 1, rows_updated: 1 });
        expect(corrected!.already_loaded).toBeUndefined();
        expect(await db.all('SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM orders ORDER BY order_id')).toEqual([
          { order_id: '1', amount: '10.00' }, { order_id: '2', amount: '22.00' }, { order_id: '3', amount: '30.00' },
        ]);
        // Nothing replaced since: both skipped.
        const third = await ingestInputs(db, { orders: [base, fixes] }, { ...options, runId: 'run-3' }, silentLogger);
        expect(third.map((f) => f.already_loaded?.run_id)).toEqual(['run-2', 'run-2']);
      }),
    );
  });

  test('a file read one way, then another, then the first way again is read again, not skipped', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        // 1.500 is fifteen hundred with a decimal comma, one and a half with a decimal point.
        const path = writeFile(dir, 'orders.csv', `${HEADER}\n1,c1,2025-01-01,1.500,USD\n`);
        const comma = { ...options.formats, orders: { ...options.formats.orders, decimal: ',' as const, thousands: '.' } };
        const amount = () => db.value('SELECT CAST(amount AS VARCHAR) FROM orders');
        await ingestInputs(db, { orders: [path] }, { ...options, formats: comma }, silentLogger);
        expect(await amount()).toBe('1500.00');
        const [second] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-2' }, silentLogger);
        expect(second).toMatchObject({ rows_read: 1, rows_updated: 1 });
        const [third] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-3', formats: comma }, silentLogger);
        expect(third!.already_loaded).toBeUndefined();
        expect(third).toMatchObject({ rows_read: 1, rows_updated: 1 });
        expect(await amount()).toBe('1500.00');
        // Content: A, then A', then A again.
        writeFile(dir, 'orders.csv', `${HEADER}\n1,c1,2025-01-01,2.500,USD\n`);
        await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-4', formats: comma }, silentLogger);
        writeFile(dir, 'orders.csv', `${HEADER}\n1,c1,2025-01-01,1.500,USD\n`);
        const [back] = await ingestInputs(db, { orders: [path] }, { ...options, runId: 'run-5', formats: comma }, silentLogger);
        expect(back).toMatchObject({ rows_read: 1, rows_updated: 1 });
        expect(await amount()).toBe('1500.00');
      }),
    );
  });
});

describe('settingsKey', () => {
  const base = { kind: 'orders' as const, format: { decimal: '.' }, columns: [['order_id', 'id']] as [string, string | undefined][], currency: 'USD', earliestDate: '1990-01-01', timezone: 'UTC' };
  test('equal settings give equal keys; each setting changes it', () => {
    expect(settingsKey({ ...base })).toBe(settingsKey({ ...base, columns: [['order_id', 'id']] }));
    const variants = [
      { ...base, kind: 'tickets' as const }, { ...base, format: { decimal: ',' } }, { ...base, columns: [['order_id', 'nr']] as [string, string | undefined][] },
      { ...base, currency: 'EUR' }, { ...base, earliestDate: '2000-01-01' }, { ...base, timezone: 'Europe/Madrid' }, { ...base, exchangeRates: 'abc' },
    ];
    for (const v of variants) expect(settingsKey(v)).not.toBe(settingsKey(base));
  });
});

test('a line-items file loaded by a release that dropped repeated lines is read again, and its repeated line counts', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const lineItems: IngestOptions = { ...options, formats: { ...options.formats, orders: { ...options.formats.orders, grain: 'line' } } };
    const path = writeFile(dir, 'lines.csv', 'order_id,customer_id,order_ts,product_id,quantity,unit_price\nI1,c1,2025-01-01,P1,2,2.50\nI1,c1,2025-01-01,P1,2,2.50\nI1,c1,2025-01-01,P2,1,4.00\n');
    const [first] = await ingestInputs(db, { orders: [path] }, lineItems, silentLogger);
    expect(first).toMatchObject({ rows_read: 3, rows_accepted: 3, rows_duplicate: 0 });
    expect(await db.value(`SELECT CAST(amount AS VARCHAR) FROM orders`)).toBe('14.00');
    // The load as an older release recorded it (reading version 1), its order without the repeat.
    await db.run(`UPDATE loaded_files SET settings = '[1,' || substr(settings, 4)`);
    await db.run(`DELETE FROM order_lines WHERE source_line = 3; UPDATE orders SET amount = 9.00, amount_original = 9.00, line_count = 2, lines_hash = 0`);
    const [again] = await ingestInputs(db, { orders: [path] }, { ...lineItems, runId: 'run-2' }, silentLogger);
    expect(again!.already_loaded).toBeUndefined();
    expect(again).toMatchObject({ rows_read: 3, rows_updated: 3, orders_updated: 1 });
    expect(await db.value(`SELECT CAST(amount AS VARCHAR) FROM orders`)).toBe('14.00');
  }));
});
