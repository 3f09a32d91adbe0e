import { describe, expect, test } from 'vitest';
import { fitMonthEffects, horizonSeason, seasonFromMonths, seasonalDays, shortSeason, trackMonths, unseenSeason, type SeasonProfile, type TrackedMonth } from '../../pipeline/btyd/season.js';

const TRUTH = [0.7, 0.6, 0.8, 0.8, 0.9, 0.8, 0.8, 0.9, 1.3, 1.5, 1.9, 1.3];
const DAYS = [31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const normalise = (v: number[]) => {
  const mean = v.reduce((s, x, j) => s + x * DAYS[j]!, 0) / 365.25;
  return v.map((x) => x / mean);
};

/** Month rows of a base of 2,000 customers buying at a steady rate times TRUTH, decaying 1% a month. */
function months(count: number, decay = 0.01) {
  return Array.from({ length: count }, (_, i) => {
    const moy = (i % 12) + 1;
    const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][moy - 1]!;
    return { month: `20${10 + Math.floor(i / 12)}-${String(moy).padStart(2, '0')}-01`, month_of_year: moy, days, exposure: 2000, repeat_days: Math.round(2000 * days * 0.01 * TRUTH[moy - 1]! * Math.exp(-decay * i)) };
  });
}

describe('learning the profile', () => {
  test('three years recover the month indices, shrunk toward flat by the weight the years earn', () => {
    const profile = seasonFromMonths(months(36))!;
    expect(profile.years).toBe(3);
    expect(profile.weight).toBeCloseTo(0.09 / (0.09 + 0.0225 / 3), 10);
    const expected = normalise(normalise(TRUTH).map((v) => Math.pow(v, profile.weight)));
    profile.months.forEach((v, j) => expect(v, `month ${j + 1}`).toBeCloseTo(expected[j]!, 2));
    // A year averages 1.
    expect(profile.months.reduce((s, v, j) => s + v * DAYS[j]!, 0) / 365.25).toBeCloseTo(1, 12);
  });

  test('the trend is separated from the season from 24 months on; under 12 months there is no profile', () => {
    expect(fitMonthEffects(months(30))!.trend).toBe(true);
    expect(fitMonthEffects(months(14))!.trend).toBe(false);
    expect(seasonFromMonths(months(11))).toBeNull();
  });
});

describe('seasonal time', () => {
  const busyNovember: SeasonProfile = { months: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1], from: '2020-01-01', to: '2022-12-01', years: 3, weight: 1 };
  test('a day of a month counts as its index; without a profile, calendar days', () => {
    expect(seasonalDays(null, '2021-11-09', 90)).toBe(90);
    // (Nov 9, Nov 19]: ten November days.
    expect(seasonalDays(busyNovember, '2021-11-09', 10)).toBeCloseTo(20, 12);
    // (Oct 31, Dec 10]: 30 November days and 10 others.
    expect(seasonalDays(busyNovember, '2021-10-31', 40)).toBeCloseTo(70, 12);
    expect(horizonSeason(busyNovember, '2021-10-31', 40)).toBeCloseTo(70 / 40, 12);
    // Fractional days: half a month of 30.44 days from Nov 1.
    expect(seasonalDays(busyNovember, '2021-10-31', 15.22)).toBeCloseTo(30.44, 10);
  });
});

describe('under a year of history: the quarters seen, shrunk, and the recent level', () => {
  // December 2010 to August 2011, each month 1,000 expected repeat days; December bought 1.5 times that.
  const nine = (dec: number, recent = 1): TrackedMonth[] => ['2010-12', '2011-01', '2011-02', '2011-03', '2011-04', '2011-05', '2011-06', '2011-07', '2011-08'].map((m, i) => ({
    month: `${m}-01`, month_of_year: Number(m.slice(5)), days: 30, expected: 1000, actual: 1000 * (i === 0 ? dec : 1) * (i >= 6 ? recent : 1),
  }));

  test('one December 1.5 times the rest: the fourth quarter keeps 2/3 of its lift in log, the months seen average 1', () => {
    const p = shortSeason(nine(1.5))!;
    const q4 = p.short!.quarters[3]!;
    expect(q4.months_seen).toBe(1);
    expect(q4.weight).toBeCloseTo(0.09 / (0.09 + 0.0225 + 0.0225), 12);
    // Against the nine months' mean of logs, December stands 8/9 of ln 1.5 above it.
    expect(q4.raw).toBeCloseTo(Math.pow(1.5, 8 / 9), 10);
    // October, November and December share the quarter's lift; against January it is 1.5^(2/3 x 8/9) / 1.5^(-3/4 x 1/9).
    expect(p.months[10]! / p.months[0]!).toBeCloseTo(Math.pow(1.5, (2 / 3) * (8 / 9) + (3 / 4) * (1 / 9)), 10);
    expect(p.months[9]).toBe(p.months[11]);
    // The nine months seen average 1 (each weighs the same here).
    const seen = [12, 1, 2, 3, 4, 5, 6, 7, 8].reduce((s, m) => s + p.months[m - 1]!, 0) / 9;
    expect(seen).toBeCloseTo(1, 12);
    // The level: the last three months after the season against all nine; December's lift beyond what the
    // shrunk season keeps stays in the nine months' average, so the recent months read a little lower.
    const index = (m: number) => p.months[m - 1]!;
    const after = nine(1.5).map((r) => Math.log(r.actual / r.expected) - Math.log(index(r.month_of_year)));
    const centred = after.map((v) => v - after.reduce((s, x) => s + x, 0) / 9);
    const recent = (centred[6]! + centred[7]! + centred[8]!) / 3;
    expect(p.short!.level_raw).toBeCloseTo(Math.exp(recent), 10);
    expect(p.short!.level).toBeCloseTo(Math.exp(recent * (0.04 / (0.04 + 0.01 + 1 / 3000))), 10);
    expect(p.short!.seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 12]);
  });

  test('a steady history has no season and no level; a base buying 20% more in its last three months runs faster', () => {
    const flat = shortSeason(nine(1))!;
    for (const v of flat.months) expect(v).toBeCloseTo(1, 12);
    const rising = shortSeason(nine(1, 1.2))!;
    // The last three months are July and August (the third quarter) and June: part of the rise is read as
    // the third quarter's lift; what remains is the level, shrunk by 0.04 / (0.04 + 0.01 + 1 / their repeat days).
    expect(rising.short!.level).toBeGreaterThan(1.02);
    expect(rising.short!.level).toBeLessThan(1.2);
    expect(rising.short!.level_weight).toBeCloseTo(0.04 / (0.04 + 0.01 + 1 / 3600), 10);
    expect(seasonalDays(rising, '2011-09-09', 10)).toBeCloseTo(10 * rising.months[8]! * rising.short!.level, 10);
    // Under three usable months: no profile.
    expect(shortSeason(nine(1.5).slice(0, 2))).toBeNull();
  });

  test('the horizon to the next Christmas reaches September, October and November, never seen: said with a 90% range', () => {
    const p = shortSeason(nine(1.5))!;
    const u = unseenSeason(p, '2011-09-09', 90)!;
    expect(u.months).toEqual([9, 10, 11]);
    // (Sep 9, Dec 8]: 21 September days, 31 October, 30 November, 8 December.
    expect(u.share_of_days).toBeCloseTo(82 / 90, 12);
    const sd = (q: { sd_log: number }) => Math.sqrt(q.sd_log ** 2 + 0.0225);
    const spread = (21 * sd(p.short!.quarters[2]!) + 61 * sd(p.short!.quarters[3]!)) / 90;
    expect(u.error_high).toBeCloseTo(Math.exp(1.645 * spread) - 1, 10);
    expect(u.error_low).toBeCloseTo(Math.exp(-1.645 * spread) - 1, 10);
    // A horizon of months seen says nothing; nor does a profile of a year or more.
    expect(unseenSeason(p, '2011-01-31', 60)).toBeNull();
    expect(unseenSeason({ months: new Array(12).fill(1), from: '2010-01-01', to: '2010-12-01', years: 1, weight: 0.8 }, '2011-09-09', 90)).toBeNull();
  });

  test('tracking: repeat days against what the model expects of the customers acquired by then, by cohort', () => {
    // A model expecting one repeat purchase a week of a customer just acquired; 100 customers acquired on each 1st.
    const model = { expected: (ts: readonly number[]) => ts.map((t) => t) } as unknown as Parameters<typeof trackMonths>[3];
    const months = ['2011-01-01', '2011-02-01', '2011-03-01', '2011-04-01'].map((m, i) => ({ month: m, month_of_year: i + 1, days: [31, 28, 31, 30][i]!, repeat_days: 0, exposure: 0 }));
    const births = months.map((m) => ({ first_day: m.month, customers: 100 }));
    const weeks = (i: number) => (100 * months[i]!.days) / 7;
    // Every cohort buys as expected, but only half as much in the month of its first purchase (a regular rhythm).
    const cohorts = months.flatMap((c, k) => months.slice(k).map((m, j) => ({ cohort: c.month, part: 0, month: m.month, repeat_days: (j === 0 ? 0.5 : 1) * weeks(k + j) })));
    const withActual = months.map((m) => ({ ...m, repeat_days: cohorts.filter((c) => c.month === m.month).reduce((s, c) => s + c.repeat_days, 0) }));
    const tracked = trackMonths(withActual, births, cohorts, model, 7);
    // January holds one cohort in its own month: its expectation is scaled by the first month seen elsewhere
    // (half of it, shrunk toward 1 by 50 pseudo-days), so January reads as (almost) no season.
    const others = [1, 2, 3].reduce((s, i) => s + weeks(i), 0);
    expect(tracked[0]!.expected).toBeCloseTo(weeks(0) * ((0.5 * others + 50) / (others + 50)), 6);
    expect(tracked[0]!.actual / tracked[0]!.expected).toBeGreaterThan(0.95);
    for (const t of tracked) expect(t.actual / t.expected).toBeGreaterThan(0.95);
    // A steady season: no lift anywhere.
    const p = shortSeason(tracked.map((t) => ({ ...t, expected: t.expected })))!;
    for (const v of p.months) expect(Math.abs(v - 1)).toBeLessThan(0.03);
  });
});
