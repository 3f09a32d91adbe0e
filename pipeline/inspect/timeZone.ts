import { ident, type Database } from '../db/Database.js';
import type { Finding } from './finding.js';

/**
 * The zones whose offsets a year of a shop's times shows, standard time
 * and summer time: each pair names one zone's rules (Paris, Madrid and
 * Rome keep Berlin's; their days and months are the same).
 */
const ZONES_BY_OFFSETS: Record<string, string> = {
  '-0500 -0400': 'America/New_York',
  '-0600 -0500': 'America/Chicago',
  '-0700 -0600': 'America/Denver',
  '-0800 -0700': 'America/Los_Angeles',
  '+0000 +0100': 'Europe/London',
  '+0100 +0200': 'Europe/Berlin',
  '+0200 +0300': 'Europe/Helsinki',
  '+1000 +1100': 'Australia/Sydney',
  '+1200 +1300': 'Pacific/Auckland',
};

/** An offset written as the file writes it (`+0200`, `+02:00`, `Z`) in the form `+0200`. */
function normal(offset: string): string {
  return offset === 'Z' ? '+0000' : offset.replace(':', '');
}

/** The IANA name of a fixed offset of whole hours: Etc/GMT's sign is the other way round (-0500 is Etc/GMT+5). */
function fixedZone(offset: string): string | undefined {
  const m = /^([+-])(\d{2})00$/.exec(offset);
  if (!m) return undefined;
  const hours = Number(m[2]);
  if (hours === 0) return 'UTC';
  return `Etc/GMT${m[1] === '-' ? '+' : '-'}${hours}`;
}

/**
 * The time zone a file's order times are written in, from the UTC offsets
 * they carry (`2023-01-01 22:42:00 +0200`): the shop's days and months are
 * its own only when the run takes them in that zone (a -0500 order at
 * 23:30 on January 31st is a January sale, not a February one). One offset:
 * that fixed offset; the two offsets of a known zone's standard and summer
 * time: that zone; anything else is left to the user, said in words.
 * Times without an offset propose nothing.
 */
export async function detectTimeZone(db: Database, column: string): Promise<{ found?: Finding<string>; undecided?: string }> {
  const rows = await db.all<{ offset: string; n: number }>(`SELECT off AS offset, count(*) AS n FROM (
      SELECT regexp_extract(trim(CAST(${ident(column)} AS VARCHAR)), '[0-9 ]([+-][0-9]{2}:?[0-9]{2}|Z)$', 1) AS off FROM inspect_rows
    ) WHERE off <> '' GROUP BY off ORDER BY n DESC, off`);
  if (!rows.length) return {};
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(normal(r.offset), (counts.get(normal(r.offset)) ?? 0) + Number(r.n));
  // Standard time first: the offsets in numeric order (-0500 before -0400).
  const minutes = (o: string) => (o[0] === '-' ? -1 : 1) * (Number(o.slice(1, 3)) * 60 + Number(o.slice(3, 5)));
  const offsets = [...counts.keys()].sort((a, b) => minutes(a) - minutes(b));
  const said = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([o, n]) => `${o} (${n.toLocaleString('en-US')})`).join(', ');
  if (offsets.length === 1) {
    const zone = fixedZone(offsets[0]!);
    if (!zone) return { undecided: `timezone: "${column}" carries the offset ${offsets[0]} on every sampled time; set timezone to the shop's zone so that its days and months are its own` };
    return { found: { value: zone, evidence: `every sampled time of "${column}" carries ${offsets[0]}: the shop's days and months are taken at that offset (if its zone keeps summer time, name it instead, such as America/New_York)` } };
  }
  const zone = ZONES_BY_OFFSETS[offsets.join(' ')];
  if (zone) return { found: { value: zone, evidence: `the sampled times of "${column}" carry ${said}: standard and summer time of ${zone}'s rules (name the shop's own zone if it differs)` } };
  return { undecided: `timezone: the sampled times of "${column}" carry several offsets, ${said}; set timezone to the shop's zone (an IANA name such as Europe/Madrid) so that its days and months are its own` };
}
