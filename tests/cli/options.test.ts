import { Command } from 'commander';
import { expect, test } from 'vitest';
import { collect, databaseOptions, inputOptions, integer, isoDateOption, overrides } from '../../pipeline/cli/options.js';

test('repeatable options collect, integers are checked, and flags map onto configuration keys', () => {
  expect(collect('b.csv', ['a.csv'])).toEqual(['a.csv', 'b.csv']);
  expect(integer('--top')('12')).toBe(12);
  expect(() => integer('--top')('1.5')).toThrow('--top must be an integer, got "1.5"');
  expect(overrides({ orders: ['a.csv'], customers: [], horizonDays: 30, db: 'x.duckdb' })).toEqual({
    orders: ['a.csv'], customers: undefined, tickets: undefined, referrals: undefined, asOf: undefined, horizonDays: 30, db: 'x.duckdb', out: undefined, models: undefined,
  });
  const cmd = inputOptions(new Command('x')).exitOverride();
  cmd.parse(['--orders', 'a.csv', '--orders', 'b.csv', '--db', 'f.duckdb'], { from: 'user' });
  expect(cmd.opts()).toMatchObject({ orders: ['a.csv', 'b.csv'], db: 'f.duckdb' });
  expect(databaseOptions(new Command('y')).options.map((o) => o.long)).toEqual(['--db', '--config']);
});

test('a date option is a day of the calendar as YYYY-MM-DD', () => {
  expect(isoDateOption('--end-date')('2024-02-29')).toBe('2024-02-29');
  for (const bad of ['2026-02-30', '2025-02-29', '31/03/2026', '2026-3-31', '']) {
    expect(() => isoDateOption('--end-date')(bad)).toThrow(`--end-date must be a day as YYYY-MM-DD, got "${bad}"`);
  }
});
