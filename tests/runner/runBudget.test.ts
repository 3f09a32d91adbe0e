import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { DataError } from '../../pipeline/errors.js';
import { RunBudget } from '../../pipeline/runner/runBudget.js';

test('a budget that has not passed lets the run go on; once past, check throws a data error naming where', () => {
  expect(() => new RunBudget(10).check('ingest')).not.toThrow();
  const late = new RunBudget(1, Date.now() - 61_000);
  expect(late.expired()).toBe(true);
  expect(() => late.check('the score stage')).toThrow(DataError);
  expect(() => late.check('the score stage')).toThrow(/run\.maxMinutes \(1 minutes\) during the score stage.*previous publication is intact/);
});

test('an armed budget interrupts the query running when its deadline passes', async () => {
  const db = await Database.open(':memory:');
  try {
    const budget = new RunBudget(0.5 / 60); // half a second
    const disarm = budget.arm(db);
    const started = Date.now();
    // A query that would run for minutes.
    await expect(db.value('SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3')).rejects.toThrow(/interrupt/i);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(budget.expired()).toBe(true);
    disarm();
    expect(await db.value('SELECT 42')).toBe(42);
  } finally {
    db.close();
  }
});
