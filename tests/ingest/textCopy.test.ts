import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { linesOf, MAX_ROW_BYTES, readableText } from '../../pipeline/ingest/textCopy.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

const csv = { kind: 'orders', encoding: 'utf-8' as const, checkQuotes: true };

test('a clean UTF-8 file is read as it is: no copy, no reject', async () => {
  await withTempDir(async (dir) => {
    const path = writeFile(dir, 'o.csv', 'a,b\n1,"x,y"\n2,"say ""hi"""\n');
    const r = await readableText(path, csv);
    expect(r).toMatchObject({ path, rejects: [], asIs: { lines: 3, blank: 0 } });
    const last = writeFile(dir, 'p.csv', 'a,b\n\n1,2\n\n3,4');
    expect((await readableText(last, csv)).asIs).toEqual({ lines: 5, blank: 2 });
  });
});

test('each line that cannot be a row is blanked in a copy (line numbers keep) and rejected with its reason; the others are untouched', async () => {
  await withTempDir(async (dir) => {
    const lines = [
      Buffer.from('a,b\r\n'),
      Buffer.from('1,ok\r\n'),
      Buffer.from('2,"stray quote\n'),
      Buffer.concat([Buffer.from('3,'), Buffer.from([0xff]), Buffer.from('\n')]),
      Buffer.from('4,nul\u0000here\n'),
      Buffer.from('5,inner\rcr\n'),
      Buffer.from(`6,${'x'.repeat(MAX_ROW_BYTES + 10)}\n`),
      Buffer.from('7,last line without end'),
    ];
    const path = writeFile(dir, 'o.csv', Buffer.concat(lines));
    const r = await readableText(path, csv);
    try {
      expect(r.path).not.toBe(path);
      expect(r.rejects.map((x) => [x.line, x.reasonClass])).toEqual([[3, 'malformed_quoting'], [4, 'invalid_utf8'], [5, 'nul_byte'], [6, 'carriage_return'], [7, 'line_too_long']]);
      expect(r.rejects[3]!.raw).toBe('5,inner\\rcr');
      expect(r.rejects[4]!.raw.length).toBeLessThan(2100);
      expect(readFileSync(r.path, 'utf8').split('\n')).toEqual(['a,b', '1,ok', '', '', '', '', '', '7,last line without end']);
    } finally {
      r.cleanup();
    }
  });
});

test('Latin-1 and UTF-16 (with its mark) are read into UTF-8; JSON lines keep their quotes', async () => {
  await withTempDir(async (dir) => {
    const latin = writeFile(dir, 'l.csv', Buffer.from('id,catégorie\n1,crème\n', 'latin1'));
    const a = await readableText(latin, { ...csv, encoding: 'latin-1' });
    expect(readFileSync(a.path, 'utf8')).toBe('id,catégorie\n1,crème\n');
    a.cleanup();
    const utf16 = writeFile(dir, 'u.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n1,Zoë\n', 'utf16le')]));
    const b = await readableText(utf16, csv);
    expect(readFileSync(b.path, 'utf8')).toBe('id,name\n1,Zoë\n');
    expect(b.rejects).toEqual([]);
    b.cleanup();
    const json = writeFile(dir, 'j.jsonl', '{"a": "say \\"hi"}\n');
    expect((await readableText(json, { ...csv, checkQuotes: false })).rejects).toEqual([]);
  });
});

test('the lines a clean file\'s rejected rows need are read by number, however many', async () => {
  await withTempDir(async (dir) => {
    const n = 300_000;
    const path = writeFile(dir, 'big.csv', Array.from({ length: n }, (_, i) => `L${i + 1},x`).join('\n'));
    const wanted = new Set(Array.from({ length: n / 2 }, (_, i) => 2 * i + 1));
    const texts = await linesOf(path, wanted);
    expect(texts.size).toBe(n / 2);
    expect([texts.get(1), texts.get(299_999), texts.get(2)]).toEqual(['L1,x', 'L299999,x', undefined]);
  });
});
