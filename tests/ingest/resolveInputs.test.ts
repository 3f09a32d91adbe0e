import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { formatOf, missingColumnsMessage, readHeader, resolveInputs, sha256File, splitCsvHeader } from '../../pipeline/ingest/resolveInputs.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

describe('finding the files', () => {
  test('formats by extension; an unknown one is an input error', () => {
    expect(['a.csv', 'a.TXT', 'a.tsv', 'a.jsonl', 'a.ndjson', 'a.json', 'a.parquet', 'a.pq'].map(formatOf)).toEqual(['csv', 'csv', 'csv', 'jsonl', 'jsonl', 'jsonl', 'parquet', 'parquet']);
    expect(() => formatOf('a.xlsx')).toThrow(InputError);
  });

  test('paths and globs resolve to files in a stable order, each once; nothing matched, a folder or a missing file are named', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      writeFile(dir, 'b.csv', 'x\n');
      writeFile(dir, 'a.csv', 'x\n');
      mkdirSync(join(dir, 'sub'));
      expect(await resolveInputs(db, [join(dir, '*.csv'), join(dir, 'a.csv')])).toEqual([join(dir, 'a.csv'), join(dir, 'b.csv')]);
      await expect(resolveInputs(db, [join(dir, '*.parquet')])).rejects.toThrow(/matches no file/);
      await expect(resolveInputs(db, [join(dir, 'sub')])).rejects.toThrow(/is a folder/);
      await expect(resolveInputs(db, [join(dir, 'c.csv')])).rejects.toThrow(/does not exist/);
    }));
  });
});

describe('headers', () => {
  test('a CSV header is split on its delimiter, honouring quotes; a byte-order mark is dropped', async () => {
    expect(splitCsvHeader('a, "b,c" ,"d""e"', ',')).toEqual(['a', 'b,c', 'd"e']);
    await withTempDir((dir) => withDb(async (db) => {
      expect(await readHeader(db, writeFile(dir, 'x.csv', '\uFEFFid;amount\n1;2\n'), 'csv', ';')).toEqual(['id', 'amount']);
      expect(await readHeader(db, writeFile(dir, 'x.jsonl', 'not json\n{"id": 1, "amount": 2}\n'), 'jsonl', ',')).toEqual(['id', 'amount']);
      await expect(readHeader(db, writeFile(dir, 'e.csv', ''), 'csv', ',')).rejects.toThrow(/has no header line/);
      await expect(readHeader(db, writeFile(dir, 'e.jsonl', '[1]\n'), 'jsonl', ',')).rejects.toThrow(/holds no JSON object/);
      await expect(readHeader(db, writeFile(dir, 'bad.parquet', 'not parquet'), 'parquet', ',')).rejects.toThrow(/cannot be read as Parquet/);
    }));
  });

  test('a header lacking required columns is explained, guessing a wrong delimiter', () => {
    expect(missingColumnsMessage('o.csv', ['order_ts'], ['order_id;customer_id;order_ts'], ','))
      .toBe('o.csv lacks required column(s) "order_ts"; found "order_id;customer_id;order_ts". The header looks ";"-delimited: set formats.orders.delimiter (or csv.delimiter) in the config. Map other names with columns.orders.<column> in the config (fidelio inspect --orders o.csv suggests a mapping).');
  });

  test('a file\'s SHA-256 is its content\'s', async () => {
    await withTempDir(async (dir) => {
      expect(await sha256File(writeFile(dir, 'abc.txt', 'abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
  });
});
