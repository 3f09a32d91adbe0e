import { expect, test } from 'vitest';
import { CANDIDATE_DATE_FORMATS, ISO_VALUES } from '../../pipeline/shared/inputFormats.js';
import { withDb } from '../helpers/withDb.js';

test('every candidate date format reads back what it writes, time included where it has one (DuckDB strptime)', async () => {
  await withDb(async (db) => {
    // 2026-11-27 18:05 UTC: a Black Friday evening, its day above 12 so that no format can read day and month swapped.
    for (const format of CANDIDATE_DATE_FORMATS) {
      const r = (await db.one<{ written: string; read: string }>(`
        SELECT strftime(TIMESTAMP '2026-11-27 18:05:00', $format) AS written,
          CAST(strptime(strftime(TIMESTAMP '2026-11-27 18:05:00', $format), $format) AS VARCHAR) AS read`, { format }))!;
      const withTime = format.includes('%H');
      expect(r.read.slice(0, withTime ? 16 : 10), `${format} wrote ${r.written}`).toBe(withTime ? '2026-11-27 18:05' : '2026-11-27');
    }
  });
});

test('a US and a European reading of one ambiguous date are both candidates, the US one first', async () => {
  await withDb(async (db) => {
    const us = CANDIDATE_DATE_FORMATS.indexOf('%m/%d/%Y');
    const eu = CANDIDATE_DATE_FORMATS.indexOf('%d/%m/%Y');
    expect(us).toBeGreaterThanOrEqual(0);
    expect(eu).toBeGreaterThan(us);
    const read = await db.one<{ us: string; eu: string }>(`SELECT CAST(strptime('03/04/2026', '%m/%d/%Y') AS DATE)::VARCHAR AS us, CAST(strptime('03/04/2026', '%d/%m/%Y') AS DATE)::VARCHAR AS eu`);
    expect(read).toEqual({ us: '2026-03-04', eu: '2026-04-03' });
  });
  // Plain ISO values: a point for decimals, no thousands separator, no date format beyond ISO 8601.
  expect(ISO_VALUES).toEqual({ decimal: '.', thousands: '', dateFormats: [] });
});
