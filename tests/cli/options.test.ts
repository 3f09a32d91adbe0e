import { Command } from 'commander';
import { expect, test } from 'vitest';
import { collect, databaseOptions, inputOptions, integer, overrides } from '../../pipeline/cli/options.js';

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
