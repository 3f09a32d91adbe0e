import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { detectTimeZone } from '../../pipeline/inspect/timeZone.js';
import { withDb } from '../helpers/withDb.js';

async function zoneOf(values: string[]) {
  return withDb(async (db) => {
    await db.run('CREATE TEMP TABLE inspect_rows ("Created at" VARCHAR)');
    for (const v of values) await db.run('INSERT INTO inspect_rows VALUES ($1)', [v]);
    return detectTimeZone(db, 'Created at');
  });
}

test('one offset proposes that fixed zone (Etc/GMT signs the other way), a zone\'s two offsets the zone, anything else is left to the user', async () => {
  expect((await zoneOf(['2025-01-31 23:30:00 -0500', '2025-03-02 10:00:00 -0500'])).found?.value).toBe('Etc/GMT+5');
  expect((await zoneOf(['2025-01-05T22:42:00+02:00', '2025-06-01T08:00:00+02:00'])).found?.value).toBe('Etc/GMT-2');
  expect((await zoneOf(['2025-01-05T22:42:00Z', '2025-01-06T22:42:00+00:00'])).found?.value).toBe('UTC');
  const ny = await zoneOf(['2025-01-31 23:30:00 -0500', '2025-07-04 12:00:00 -0400', '2025-08-01 09:00:00 -0400']);
  expect(ny.found).toEqual({ value: 'America/New_York', evidence: 'the sampled times of "Created at" carry -0400 (2), -0500 (1): standard and summer time of America/New_York\'s rules (name the shop\'s own zone if it differs)' });
  expect((await zoneOf(['2025-01-05 22:42:00 +0100', '2025-07-05 22:42:00 +0200'])).found?.value).toBe('Europe/Berlin');
  const mixed = await zoneOf(['2025-01-05 22:42:00 +0200', '2025-01-05 22:42:00 -0500', '2025-01-05 22:42:00 +0100']);
  expect(mixed.found).toBeUndefined();
  expect(mixed.undecided).toContain('carry several offsets, +0100 (1), +0200 (1), -0500 (1); set timezone to the shop\'s zone');
  expect((await zoneOf(['2025-01-05 22:42:00 +0530'])).undecided).toContain('carries the offset +0530 on every sampled time');
  // Times and dates without an offset propose nothing (a date's dashes are no offset).
  expect(await zoneOf(['2025-01-05', '2025-01-05 22:42', '05/01/2025 10:00'])).toEqual({});
});

test('taken in the proposed zone, a -0500 order at 23:30 on January 31st is a January sale; in UTC it would be February\'s', async () => {
  const day = async (timezone: string) => {
    const db = await Database.open(':memory:', { timezone });
    try {
      return await db.value<string>(`SELECT CAST(CAST(strptime('2025-01-31 23:30:00 -0500', '%Y-%m-%d %H:%M:%S %z') AS DATE) AS VARCHAR)`);
    } finally {
      db.close();
    }
  };
  expect(await day('Etc/GMT+5')).toBe('2025-01-31');
  expect(await day('UTC')).toBe('2025-02-01');
});
