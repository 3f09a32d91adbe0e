import { expect, test } from 'vitest';
import { learnSeason } from '../../pipeline/features/btydSeason.js';
import { withDb } from '../helpers/withDb.js';

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
