import { describe, expect, test } from 'vitest';
import { fitMonthEffects, horizonSeason, learnSeason, seasonFromMonths, seasonalDays, type SeasonProfile } from '../../pipeline/btyd/season.js';
import { withDb } from '../helpers/withDb.js';

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

  test('from an orders table: the whole months to the calibration end, repeat purchase days only, guests left out', async () => {
    await withDb(async (db) => {
      await db.run(`CREATE TABLE o (customer_id VARCHAR, order_date DATE, amount DECIMAL(18, 2))`);
      // 40 customers first buying on 2020-01-01, then once on the 10th of every month, twice in November.
      await db.run(`INSERT INTO o SELECT 'c' || c, DATE '2020-01-01', 10 FROM range(40) t(c)`);
      await db.run(`INSERT INTO o SELECT 'c' || c, make_date(2020 + m // 12, m % 12 + 1, 10), 10 FROM range(40) t(c), range(1, 36) s(m)`);
      await db.run(`INSERT INTO o SELECT 'c' || c, make_date(2020 + m // 12, 11, 20), 10 FROM range(40) t(c), (VALUES (10), (22), (34)) s(m)`);
      await db.run(`INSERT INTO o SELECT NULL, make_date(2021, 3, d), 10 FROM range(1, 28) t(d)`);
      const profile = (await learnSeason(db, 'o', '2022-12-31'))!;
      expect(profile.from).toBe('2020-01-01');
      expect(profile.to).toBe('2022-12-01');
      // November has twice the purchase days of the other months (January: the first purchases are not repeats).
      expect(profile.months[10]! / profile.months[5]!).toBeGreaterThan(1.7);
      expect(profile.months[2]! / profile.months[5]!).toBeCloseTo(1 * (31 / 31) / (30 / 30) * (30 / 31), 1);
      expect(await learnSeason(db, 'o', '2020-09-30')).toBeNull();
    });
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
