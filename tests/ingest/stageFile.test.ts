import { expect, test } from 'vitest';
import { stageFile } from '../../pipeline/ingest/stageFile.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const columns = new Map<string, string | undefined>([['order_id', 'id'], ['amount', 'total'], ['currency', undefined]]);

test('a clean CSV is staged in place, record k on line k + 1, absent columns as NULL text', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'id,total\nA,1.50\nB,2.00\n');
    const staged = await stageFile(db, path, 'csv', columns, ['id', 'total'], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(staged).toMatchObject({ rowsRead: 2, exactLines: true });
    expect(await db.all(`SELECT line, order_id, amount, currency FROM ${staged.relation} ORDER BY line`))
      .toEqual([{ line: 2, order_id: 'A', amount: '1.50', currency: null }, { line: 3, order_id: 'B', amount: '2.00', currency: null }]);
  }));
});

test('a short line and invalid bytes get a structural error on their own line; blank lines are not rows', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', Buffer.concat([Buffer.from('id,total\nA,1.50\n\nB\nC,'), Buffer.from([0xff]), Buffer.from('\nD,4\n')]));
    const staged = await stageFile(db, path, 'csv', columns, ['id', 'total'], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(staged.rowsRead).toBe(4);
    const rows = await db.all<{ line: number; structural_error: string | null; order_id: string | null }>(
      `SELECT line, structural_error, order_id FROM ${staged.relation} ORDER BY line`);
    expect(rows.map((r) => [r.line, r.structural_error === null ? null : r.structural_error.slice(0, 15), r.order_id])).toEqual([
      [2, null, 'A'], [4, 'too few columns', null], [5, 'invalid UTF-8 b', null], [6, null, 'D'],
    ]);
  }));
});

test('JSON lines: each line one object, keys mapped; a line that is not an object says so', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.jsonl', '{"id": "A", "total": 1.5}\n[1, 2]\n{"id": "B"}\n');
    const staged = await stageFile(db, path, 'jsonl', columns, [], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(staged.rowsRead).toBe(3);
    expect(await db.all(`SELECT line, structural_error, order_id, amount FROM ${staged.relation} ORDER BY line`)).toEqual([
      { line: 1, structural_error: null, order_id: 'A', amount: '1.5' },
      { line: 2, structural_error: 'not a valid JSON object', order_id: null, amount: null },
      { line: 3, structural_error: null, order_id: 'B', amount: null },
    ]);
  }));
});
