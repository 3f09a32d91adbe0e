import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { EXPORT_SHAPES, writeExport } from '../../pipeline/demo/exportShapes.js';
import { withTempDir } from '../helpers/withDb.js';

test('each shape is seeded and written as a real export writes it; its truth counts its own lines', async () => {
  await withTempDir(async (dir) => {
    for (const shape of EXPORT_SHAPES) {
      const a = writeExport(shape, join(dir, `${shape}-a.csv`), 3, 80);
      const b = writeExport(shape, join(dir, `${shape}-b.csv`), 3, 80);
      expect(readFileSync(join(dir, `${shape}-a.csv`))).toEqual(readFileSync(join(dir, `${shape}-b.csv`)));
      expect(a).toEqual(b);
      const lines = readFileSync(join(dir, `${shape}-a.csv`), shape === 'latin-1' ? 'latin1' : 'utf8').trim().split('\n');
      expect(lines.length - 1, shape).toBe(a.lines);
      expect(Object.keys(a.monthlyCents).length, shape).toBeGreaterThanOrEqual(12);
      expect(a.customers, shape).toBeGreaterThan(20);
    }
    const uk = readFileSync(join(dir, 'line-items-a.csv'), 'utf8').split('\n');
    expect(uk[0]).toBe('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country');
    expect(uk.some((l) => /^C\d+,.*,-\d+,/.test(l))).toBe(true); // cancellations
    expect(uk.some((l) => /,,United Kingdom$/.test(l))).toBe(true); // guests
    expect(readFileSync(join(dir, 'european-a.csv'), 'utf8').split('\n')[1]).toMatch(/^EU-\d+;K\d+;\d\d\/\d\d\/\d{4} \d\d:\d\d;-?[\d.]+,\d\d;EUR;/);
    expect(readFileSync(join(dir, 'latin-1-a.csv')).includes(0xe9)).toBe(true); // é in Latin-1
  });
});
