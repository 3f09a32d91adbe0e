import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { edgeSpaces, holdsControls, linesOf, MAX_RECORD_LINES, MAX_ROW_BYTES, readableText } from '../../pipeline/ingest/textCopy.js';
import { Database } from '../../pipeline/db/Database.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

const csv = { kind: 'orders', encoding: 'utf-8' as const, checkQuotes: true, scanControls: true };

test('a clean UTF-8 file is read as it is: no copy, no reject', async () => {
  await withTempDir(async (dir) => {
    const path = writeFile(dir, 'o.csv', 'a,b\n1,"x,y"\n2,"say ""hi"""\n');
    const r = await readableText(path, csv);
    expect(r).toMatchObject({ path, rejects: [], asIs: { lines: 3, blank: 0, controls: false } });
    const last = writeFile(dir, 'p.csv', 'a,b\n\n1,2\n\n3,4');
    // (No delimiter given: not scanned for spaces where values begin or end, so they may be there.)
    expect((await readableText(last, csv)).asIs).toEqual({ lines: 5, blank: 2, controls: false, edgeSpaces: true });
  });
});

test('a file read as it is says whether any byte of it begins a character an identifier may not hold, wherever it stands', async () => {
  await withTempDir(async (dir) => {
    const asIs = async (text: string) => (await readableText(writeFile(dir, 'c.csv', text), csv)).asIs;
    // Text a shop's export holds: accents, the euro sign, typographic quotes and dashes, a no-break space.
    expect(await asIs('a,b\n1,Café — “été” 12 €\u00a0\n')).toMatchObject({ controls: false });
    // One such character anywhere, in the header, a middle line or a last line without its end.
    expect(await asIs('a\u0007,b\n1,2\n')).toMatchObject({ controls: true });
    expect(await asIs(`a,b\n${'1,2\n'.repeat(300_000)}3,x\u202Ey\n4,5\n`)).toMatchObject({ controls: true });
    expect(await asIs('a,b\n1,2\n3,\u2066')).toMatchObject({ lines: 3, controls: true });
    // Not scanned (a format whose values are not its characters), a file may hold them.
    expect((await readableText(writeFile(dir, 'j.jsonl', '{"a": 1}\n'), { ...csv, checkQuotes: false, scanControls: false })).asIs).toMatchObject({ controls: true });
  });
});

test('holdsControls: C0 controls but the line feed, DEL, C1 controls and the bidirectional embeddings, overrides and isolates', () => {
  const has = (text: string) => holdsControls(Buffer.from(text, 'utf8'));
  expect(has('plain, ASCII text\n')).toBe(false);
  for (const c of ['\u0000', '\u0001', '\t', '\u000b', '\r', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f', '\u202a', '\u202e', '\u2066', '\u2069']) {
    expect([c, has(`ab${c}cd`)]).toEqual([c, true]);
  }
  // Their neighbours in UTF-8 (the same lead bytes, another character) are text.
  for (const c of ['\u00a0', '\u00e9', '\u2013', '\u201c', '\u2029', '\u202f', '\u2065', '\u206a', '\u20ac']) {
    expect([c, has(`ab${c}cd`)]).toEqual([c, false]);
  }
  // A lead byte at the end of the bytes given (never a whole character there) reads no further.
  expect(holdsControls(Uint8Array.from([0x61, 0xe2]))).toBe(false);
});

test('edgeSpaces: a space separator where a CSV value begins or ends (a line\'s ends, beside the delimiter or a quote), not between words', () => {
  const edges = (text: string, delimiter = ',') => edgeSpaces(Buffer.from(text, 'utf8'), delimiter.charCodeAt(0));
  expect(edges('id,name,total\nA1,Jane Doe,12.50\nA2,"Doe, Jane",1\n')).toBe(true);
  expect(edges('id,name,total\nA1,Jane Doe,12.50\nA2,"Doe;Jane",€ 1\n')).toBe(false);
  // Each character of Unicode's category Zs (what DuckDB's trim removes) at each kind of edge.
  const zs = [' ', '\u00a0', '\u1680', ...Array.from({ length: 11 }, (_, k) => String.fromCodePoint(0x2000 + k)), '\u202f', '\u205f', '\u3000'];
  for (const z of zs) {
    for (const text of [`${z}a,b\n`, `a${z},b\n`, `a,${z}b\n`, `a,b${z}\n`, `a,b${z}`, `a,"${z}b"\n`, `a,"b${z}"\n`, `a\n${z}b\n`]) {
      expect([text, edges(text)]).toEqual([text, true]);
    }
    expect([z, edges(`a,b${z}c\n`)]).toEqual([z, false]);
  }
  // Neighbours of those characters in UTF-8 (the same lead bytes) and the tab, which trim leaves, are not spaces.
  for (const c of ['\u00a1', '\u00e9', '\u1681', '\u200b', '\u2013', '\u20ac', '\u205e', '\u3001', '\t']) {
    expect([c, edges(`a,${c}b${c}\n`)]).toEqual([c, false]);
  }
  // Beside another delimiter it is no edge; beside this file's it is.
  expect(edges('a; b\n', ';')).toBe(true);
  expect(edges('a; b\n', '\t')).toBe(false);
});

test('edgeSpaces takes for a space separator exactly the characters DuckDB\'s trim removes, every code point tried', async () => {
  const db = await Database.open(':memory:');
  try {
    // Every code point but the surrogates (and NUL) that trim() removes whole.
    const removed = new Set((await db.value<number[]>(`SELECT list(CAST(cp AS INTEGER) ORDER BY cp) FROM range(1, 1114112) t(cp)
      WHERE NOT (cp BETWEEN 55296 AND 57343) AND trim(chr(CAST(cp AS INTEGER))) = ''`))!.map(Number));
    expect(removed.size).toBe(17);
    const flagged: number[] = [];
    for (let cp = 1; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (edgeSpaces(Buffer.from(`x,${c}\n`, 'utf8'), 0x2c)) flagged.push(cp);
      // Between two letters no character is an edge.
      if (edgeSpaces(Buffer.from(`a${c}b`, 'utf8'), 0x2c)) throw new Error(`U+${cp.toString(16)} taken for an edge between letters`);
    }
    expect(flagged).toEqual([...removed]);
  } finally {
    db.close();
  }
});

test('a file read as it is is scanned for spaces at its values\' edges to its last byte: a last line without its end, a later chunk, a line across two', async () => {
  await withTempDir(async (dir) => {
    const scan = async (text: string) => (await readableText(writeFile(dir, 's.csv', text), { ...csv, delimiter: ',', scanSpaces: true })).asIs!.edgeSpaces;
    expect(await scan('a,b\n1,2')).toBe(false);
    expect(await scan('a,b\n1,2 ')).toBe(true);
    expect(await scan('a,b\n1, 2')).toBe(true);
    // Lines of ten bytes after a header of four: line k begins at 4 + 10k; the file is read a mebibyte at a time.
    const lines = (at: number, line: string) => `a,b\n${Array.from({ length: 300_000 }, (_, k) => (k === at ? line : '1,2345678')).join('\n')}\n`;
    expect(await scan(lines(-1, ''))).toBe(false);
    // In the third mebibyte, and a space between digits there.
    expect(await scan(lines(250_000, '1,234567 '))).toBe(true);
    expect(await scan(lines(250_000, '1,2345 78'))).toBe(false);
    // The line over the first mebibyte's end: its delimiter the first chunk's last byte (1,048,575), the space the second's first.
    expect(4 + 10 * 104_857 + 1).toBe(1_048_575);
    expect(await scan(lines(104_857, '1, 345678'))).toBe(true);
    expect(await scan(lines(104_857, '1,2 45678'))).toBe(false);
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

test('RFC 4180: a quoted field may span lines; the record is kept whole and listed by its first line', async () => {
  await withTempDir(async (dir) => {
    const path = writeFile(dir, 'o.csv', 'id,note,total\r\n1,"first\r\nsecond\r\n\r\nfourth",10\r\n2,plain,20\r\n');
    const r = await readableText(path, { ...csv, delimiter: ',', fields: 3 });
    try {
      expect(r.rejects).toEqual([]);
      expect(r.spans).toEqual([{ line: 2, lines: 4 }]);
      expect(readFileSync(r.path, 'utf8')).toBe('id,note,total\n1,"first\nsecond\n\nfourth",10\n2,plain,20\n');
    } finally {
      r.cleanup();
    }
  });
});

test('a quote no later line closes into a record of the header\'s fields costs its own line only; the lines after it are read again', async () => {
  await withTempDir(async (dir) => {
    // Line 2 opens a quote that line 4 closes, but the record would have 4 fields: line 2 alone is malformed (and so is line 4, read again).
    // Line 5 opens a record that line 6 closes into 3 fields, with invalid bytes: rejected once, by its first line.
    // Line 7 opens a quote that never closes.
    const path = writeFile(dir, 'o.csv', Buffer.concat([
      Buffer.from('id,note,total\n2,"open,1\n3,ok,2\n4,close",3,x\n5,"a\n'), Buffer.from([0xff]), Buffer.from('",6\n7,"never,7\n8,ok,8\n'),
    ]));
    const r = await readableText(path, { ...csv, delimiter: ',', fields: 3 });
    try {
      expect(r.rejects.map((x) => [x.line, x.reasonClass])).toEqual([[2, 'malformed_quoting'], [4, 'malformed_quoting'], [5, 'invalid_utf8'], [7, 'malformed_quoting']]);
      expect(r.rejects[2]!.raw).toBe('5,"a\n\ufffd",6');
      expect(r.spans).toEqual([]);
      expect(readFileSync(r.path, 'utf8').split('\n')).toEqual(['id,note,total', '', '3,ok,2', '', '', '', '', '8,ok,8', '']);
    } finally {
      r.cleanup();
    }
  });
});

test(`a record may span at most ${MAX_RECORD_LINES} lines`, async () => {
  await withTempDir(async (dir) => {
    const note = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`).join('\n');
    const fits = await readableText(writeFile(dir, 'a.csv', `id,note\n1,"${note(MAX_RECORD_LINES)}"\n2,x\n`), { ...csv, delimiter: ',', fields: 2 });
    expect(fits.rejects).toEqual([]);
    expect(fits.spans).toEqual([{ line: 2, lines: MAX_RECORD_LINES }]);
    fits.cleanup();
    const r = await readableText(writeFile(dir, 'b.csv', `id,note\n1,"${note(MAX_RECORD_LINES + 1)}"\n2,x\n`), { ...csv, delimiter: ',', fields: 2 });
    try {
      expect(r.rejects[0]).toMatchObject({ line: 2, reasonClass: 'malformed_quoting' });
      // Every line of the long note is then read alone; its last line opens a quote of its own that never closes.
      expect(r.rejects.map((x) => x.line)).toEqual([2, 2 + MAX_RECORD_LINES]);
      expect(r.spans).toEqual([]);
    } finally {
      r.cleanup();
    }
  });
});
