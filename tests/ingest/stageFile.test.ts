import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../pipeline/errors.js';
import { expect, test } from 'vitest';
import { linesForRejects, stageFile } from '../../pipeline/ingest/stageFile.js';
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

test('a clean CSV\'s lines are counted, not copied: their text is read only when a rejected row needs it', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'id,total\nA,1.50\nB,x\nC,3');
    const staged = await stageFile(db, path, 'csv', columns, ['id', 'total'], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(staged).toMatchObject({ rowsRead: 3, exactLines: true, pendingLines: path });
    expect(await db.value('SELECT count(*) FROM stage_lines')).toBe(0);
    await db.run(`CREATE TEMP TABLE checked AS SELECT line, raw, CASE WHEN amount = 'x' THEN 'rejected' ELSE 'ok' END AS status FROM ${staged.relation}`);
    await linesForRejects(db, staged.pendingLines);
    expect(await db.all('SELECT line, raw FROM stage_lines ORDER BY line')).toEqual([{ line: 3, raw: 'B,x' }]);
    // A later rejection (the merge's) adds its line, the last one here, without a line end; the first is not read twice.
    await db.run(`UPDATE checked SET status = 'rejected' WHERE line = 4`);
    await linesForRejects(db, staged.pendingLines);
    expect(await db.all('SELECT line, raw FROM stage_lines ORDER BY line')).toEqual([{ line: 3, raw: 'B,x' }, { line: 4, raw: 'C,3' }]);
  }));
});

test('a clean CSV with a blank line has its lines read to number the records', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'id,total\nA,1.50\n\nB,2\n');
    const staged = await stageFile(db, path, 'csv', columns, ['id', 'total'], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(staged.pendingLines).toBeUndefined();
    expect(await db.all(`SELECT line, order_id FROM ${staged.relation} ORDER BY line`)).toEqual([{ line: 2, order_id: 'A' }, { line: 4, order_id: 'B' }]);
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

test('staged values are said free of control characters only for a UTF-8 CSV read as it is whose bytes hold none', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const staged = (name: string, text: string | Buffer, format: 'csv' | 'jsonl' = 'csv', encoding: 'utf-8' | 'latin-1' = 'utf-8') =>
      stageFile(db, writeFile(dir, name, text), format, columns, format === 'csv' ? ['id', 'total'] : [], { kind: 'orders', delimiter: ',', encoding });
    expect((await staged('a.csv', 'id,total\nA,1.50\nB,2.00\n')).controlFree).toBe(true);
    // A control character anywhere, an id or not, leaves every id checked.
    expect((await staged('b.csv', 'id,total\nA,1.50\nB,"2\t"\n')).controlFree).toBeUndefined();
    // A file not read as it is (a line rejected before the reader, another encoding) is not scanned.
    expect((await staged('c.csv', 'id,total\nA,1.50\nB,"2\n')).controlFree).toBeUndefined();
    expect((await staged('d.csv', Buffer.from('id,total\nA\xe9,1.50\n', 'latin1'), 'csv', 'latin-1')).controlFree).toBeUndefined();
    // A JSON line's escapes make characters its bytes do not hold.
    const json = await staged('e.jsonl', '{"id": "A\\u0007", "total": 1}\n', 'jsonl');
    expect(json.controlFree).toBeUndefined();
    expect(await db.value(`SELECT order_id FROM ${json.relation}`)).toBe('A\u0007');
  }));
});

test('staged values are said trimmed only for a UTF-8 CSV read as it is with no space separator where a value begins or ends', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const staged = (name: string, text: string | Buffer, format: 'csv' | 'jsonl' = 'csv', encoding: 'utf-8' | 'latin-1' = 'utf-8', delimiter = ',') =>
      stageFile(db, writeFile(dir, name, text), format, columns, format === 'csv' ? ['id', 'total'] : [], { kind: 'orders', delimiter, encoding });
    // Spaces between words and a no-break space inside a value leave every value its own trim.
    expect((await staged('a.csv', 'id,total\nA 1,1.50\n"B\u00a02",2.00\n')).trimmed).toBe(true);
    // The scan does not follow quotes: a space beside a comma within quotes is taken for one beside the delimiter.
    expect((await staged('a2.csv', 'id,total\nA 1,1.50\n"B, 2",2.00\n')).trimmed).toBeUndefined();
    // One at either end of a value, quoted or not, anywhere in the file.
    expect((await staged('b.csv', 'id,total\nA,1.50\nB,2.00 \n')).trimmed).toBeUndefined();
    expect((await staged('c.csv', 'id,total\nA,"\u00a01.50"\n')).trimmed).toBeUndefined();
    // A delimiter of more than one byte is not looked for: its values may begin with a space.
    expect((await staged('d.csv', 'id¦total\nA¦1.50\n', 'csv', 'utf-8', '¦')).trimmed).toBeUndefined();
    // Not read as it is (another encoding), or not CSV.
    expect((await staged('e.csv', Buffer.from('id,total\nA\xe9,1.50\n', 'latin1'), 'csv', 'latin-1')).trimmed).toBeUndefined();
    expect((await staged('f.jsonl', '{"id": "A", "total": 1}\n', 'jsonl')).trimmed).toBeUndefined();
  }));
});

test('a file staged as trimmed holds no value that trim() would change: seeded random files, read by stageFile itself', async () => {
  // Files of letters, tabs, the euro sign, three kinds of space, quoted fields holding the delimiter and doubled
  // quotes, spaces outside the quotes, a last line without its end, with a comma or a semicolon between fields.
  const letters = ['a', 'b', '7', 'é', '€', '\t'];
  const spaces = [' ', '\u00a0', '\u3000'];
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(from: readonly T[]) => from[Math.floor(next() * from.length)]!;
  const three = new Map<string, string | undefined>([['order_id', 'c1'], ['customer_id', 'c2'], ['amount', 'c3']]);
  let trimmed = 0;
  let spaced = 0;
  await withTempDir((dir) => withDb(async (db) => {
    for (let f = 0; f < 240; f++) {
      const delimiter = f % 3 === 2 ? ';' : ',';
      const lines = [['c1', 'c2', 'c3'].join(delimiter)];
      for (let l = 0; l < 3; l++) {
        const fields = Array.from({ length: 3 }, () => {
          const quoted = next() < 0.4;
          const inner = quoted ? [...letters, delimiter, '""'] : letters;
          const body = Array.from({ length: 1 + Math.floor(next() * 4) }, () => (next() < 0.06 ? pick(spaces) : pick(inner))).join('');
          // Now and then a space outside a quoted value, which DuckDB's reader drops or refuses.
          const outside = quoted && next() < 0.05 ? ' ' : '';
          return quoted ? `${outside}"${body}"` : body;
        });
        lines.push(fields.join(delimiter));
      }
      const text = lines.join('\n') + (next() < 0.8 ? '\n' : '');
      const staged = await stageFile(db, writeFile(dir, `f${f}.csv`, text), 'csv', three, ['c1', 'c2', 'c3'], { kind: 'orders', delimiter, encoding: 'utf-8' });
      const changed = await db.value<boolean>(`SELECT coalesce(bool_or(trim(order_id) <> order_id OR trim(customer_id) <> customer_id OR trim(amount) <> amount), false) FROM ${staged.relation}`);
      if (staged.trimmed) {
        trimmed++;
        expect([text, changed]).toEqual([text, false]);
      } else if (changed) spaced++;
    }
  }));
  // Both outcomes were met: files staged as trimmed, and files whose values trim() changes.
  expect(trimmed).toBeGreaterThan(20);
  expect(spaced).toBeGreaterThan(20);
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

test('JSON keys are mapped whatever they hold: quotes, backslashes, dots, a leading $ or /', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const keys = new Map<string, string | undefined>([['order_id', 'the "id"'], ['amount', 'a.b\\c'], ['currency', '$cur'], ['customer_id', '/who']]);
    const path = writeFile(dir, 'o.jsonl', `${JSON.stringify({ 'the "id"': 'A', 'a.b\\c': 2.5, $cur: 'EUR', '/who': 'c1' })}\n`);
    const staged = await stageFile(db, path, 'jsonl', keys, [], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(await db.all(`SELECT order_id, amount, currency, customer_id FROM ${staged.relation}`))
      .toEqual([{ order_id: 'A', amount: '2.5', currency: 'EUR', customer_id: 'c1' }]);
  }));
});

test('a Parquet file whose pages are corrupt is refused whole with an input error naming it', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = `${dir}/o.parquet`;
    await db.run(`COPY (SELECT 'order-' || range AS id, range * 1.5 AS total FROM range(50000)) TO '${path}' (FORMAT parquet, COMPRESSION uncompressed)`);
    // Keep the footer (the schema reads) and overwrite the data pages with noise.
    const bytes = readFileSync(path);
    for (let i = 64; i < bytes.length / 2; i++) bytes[i] = (i * 131) & 0xff;
    writeFileSync(path, bytes);
    const err = await stageFile(db, path, 'parquet', columns, [], { kind: 'orders', delimiter: ',', encoding: 'utf-8', displayPath: 'exports/o.parquet' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^exports\/o\.parquet cannot be read as Parquet: .+nothing of it was loaded/);
  }));
});

test('records holding line breaks inside quotes are one row each, named by their first line; the reader\'s rejects after them keep their own lines', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', 'id,total,note\nA,1.50,"two\nlines"\n\nB,2.00,"three\n\nlines"\nC,3,x,extra\nD,4,"x\ny"\nE,5,z\n');
    const staged = await stageFile(db, path, 'csv', new Map([...columns, ['category', 'note']]), ['id', 'total', 'note'], { kind: 'orders', delimiter: ',', encoding: 'utf-8' });
    expect(staged).toMatchObject({ rowsRead: 5, physicalLines: 9, exactLines: true });
    const rows = await db.all<{ line: number; order_id: string | null; category: string | null; structural_class: string | null; raw: string | null }>(
      `SELECT line, order_id, category, structural_class, raw FROM ${staged.relation} ORDER BY line`);
    expect(rows.map((r) => [r.line, r.order_id, r.category, r.structural_class])).toEqual([
      [2, 'A', 'two\nlines', null], [5, 'B', 'three\n\nlines', null], [8, null, null, 'too_many_columns'], [9, 'D', 'x\ny', null], [11, 'E', 'z', null],
    ]);
    expect(await db.all(`SELECT line, raw FROM stage_lines WHERE line IN (5, 9) ORDER BY line`)).toEqual([{ line: 5, raw: 'B,2.00,"three\n\nlines"' }, { line: 9, raw: 'D,4,"x\ny"' }]);
  }));
});

test('a Latin-1 file with a record spanning lines: decoded, the record whole, a rejected record after it named by its own line with its text', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const path = writeFile(dir, 'o.csv', Buffer.from('id,total,note\r\nA,1,"crème\r\nbrûlée"\r\nB,x,"déjà\r\nvu"\r\nC,3,ok\r\n', 'latin1'));
    const staged = await stageFile(db, path, 'csv', new Map([...columns, ['category', 'note']]), ['id', 'total', 'note'], { kind: 'orders', delimiter: ',', encoding: 'latin-1' });
    expect(staged).toMatchObject({ rowsRead: 3, physicalLines: 5 });
    expect(await db.all(`SELECT line, order_id, amount, category FROM ${staged.relation} ORDER BY line`)).toEqual([
      { line: 2, order_id: 'A', amount: '1', category: 'crème\nbrûlée' }, { line: 4, order_id: 'B', amount: 'x', category: 'déjà\nvu' }, { line: 6, order_id: 'C', amount: '3', category: 'ok' },
    ]);
    expect(await db.value('SELECT raw FROM stage_lines WHERE line = 4')).toBe('B,x,"déjà\nvu"');
  }));
});
