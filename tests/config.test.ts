import { expect, test } from 'vitest';
import { totalmem } from 'node:os';
import { configSchema, defaultBlockAllocatorMemory, loadConfig, scoringSchema } from '../pipeline/config.js';
import { UsageError } from '../pipeline/errors.js';
import { specs } from '../pipeline/shared/inputSpecs.js';
import { withTempDir, writeFile } from './helpers/withDb.js';

test('defaults make the demo run with no file at all', () => {
  const c = loadConfig(undefined);
  expect(c).toMatchObject({ orders: [], horizonDays: 90, db: 'data/fidelio.duckdb', out: 'data/out', currency: 'USD', neural: true, seed: 42 });
  expect(c.scoring).toEqual(scoringSchema.parse({}));
});

test('column mappings default to the canonical names declared once in the input specs', () => {
  const c = loadConfig(undefined, { columns: { orders: { amount: 'total' } } });
  expect(c.columns.orders.amount).toBe('total');
  expect(Object.keys(c.columns.orders)).toEqual(specs.orders.columns.map((col) => col.name));
  expect(c.columns.customers.customer_id).toBe('customer_id');
  expect(() => loadConfig(undefined, { columns: { orders: { colour: 'x' } } } as never)).toThrow(/unknown key\(s\) "colour"/);
});

test('a file is merged under the flags, YAML or JSON; every problem is listed at once', async () => {
  await withTempDir(async (dir) => {
    const yaml = writeFile(dir, 'c.yaml', 'horizonDays: 60\nscoring:\n  controlShare: 0.2\n');
    expect(loadConfig(yaml, { horizonDays: 30 })).toMatchObject({ horizonDays: 30, scoring: { controlShare: 0.2, mediumRisk: 0.5 } });
    const bad = writeFile(dir, 'bad.json', JSON.stringify({ horizonDays: 2, colour: 'red', scoring: { mediumRisk: 0.9, highRisk: 0.8 } }));
    try {
      loadConfig(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const problems = (err as UsageError).problems;
      expect(problems).toContain('horizonDays: Too small: expected number to be >=7');
      expect(problems).toContain('unknown key(s) "colour"');
      expect(problems).toContain('scoring.mediumRisk: must be below scoring.highRisk (0.8)');
    }
    expect(() => loadConfig(writeFile(dir, 'broken.json', '{'))).toThrow(/is not valid JSON/);
    expect(() => loadConfig(`${dir}/none.yaml`)).toThrow(/does not exist/);
  });
});

test('an expression VIP rule needs its expression, and SQL conditions are one condition without statements', () => {
  expect(configSchema.safeParse({ scoring: { vip: { rule: 'expression' } } }).success).toBe(false);
  expect(configSchema.safeParse({ scoring: { vip: { rule: 'expression', expression: 'historic_value > 10; DROP TABLE orders' } } }).success).toBe(false);
  expect(configSchema.safeParse({ scoring: { vip: { rule: 'expression', expression: 'historic_value > 10' } } }).success).toBe(true);
});

test("the demo's end date is a day of the calendar as YYYY-MM-DD", () => {
  expect(loadConfig(undefined, { demo: { endDate: '2024-02-29' } }).demo.endDate).toBe('2024-02-29');
  expect(loadConfig(undefined).demo.endDate).toBeUndefined();
  for (const bad of ['2026-02-30', '2025-02-29', '31/03/2026', '2026-3-31', '']) {
    expect(() => loadConfig(undefined, { demo: { endDate: bad } })).toThrow(/demo\.endDate/);
  }
});

test('two contract columns mapped to one file column are refused, naming both (issue 26: customer_id: order_id made every order its own customer)', () => {
  const refused = (columns: unknown) => {
    try {
      loadConfig(undefined, { columns } as never);
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as UsageError).problems;
    }
  };
  expect(refused({ orders: { customer_id: 'order_id' } })).toEqual([
    'columns.orders.customer_id: order_id and customer_id would both be read from the file\'s column "order_id"; map each contract column to a column of its own',
  ]);
  expect(refused({ orders: { amount: 'Total', unit_price: 'Total' } })).toEqual([
    'columns.orders.amount: amount and unit_price would both be read from the file\'s column "Total"; map each contract column to a column of its own',
  ]);
  expect(refused({ referrals: { referred_id: 'referrer_id' } })?.[0]).toMatch(/^columns\.referrals\.referred_id: referrer_id and referred_id/);
  // Each column to its own: taken, a canonical name used for another column included.
  expect(refused({ orders: { order_id: 'Invoice', customer_id: 'order_id' } })).toBeUndefined();
});

test("DuckDB keeps 1.5GB of freed blocks by default, 40% of a smaller machine's memory; a size or 0 may be given, and nothing else", () => {
  expect(defaultBlockAllocatorMemory(24 * 2 ** 30)).toBe('1.5GB');
  expect(defaultBlockAllocatorMemory(3.75e9)).toBe('1.5GB');
  expect(defaultBlockAllocatorMemory(3.7e9)).toBe('1480MB');
  expect(defaultBlockAllocatorMemory(2 * 2 ** 30)).toBe('858MB');
  expect(loadConfig(undefined).duckdb).toEqual({ memoryLimit: '2GB', blockAllocatorMemory: defaultBlockAllocatorMemory(totalmem()) });
  expect(loadConfig(undefined, { duckdb: { blockAllocatorMemory: '0' } } as never).duckdb.blockAllocatorMemory).toBe('0');
  expect(loadConfig(undefined, { duckdb: { blockAllocatorMemory: '512MiB' } } as never).duckdb.blockAllocatorMemory).toBe('512MiB');
  expect(() => loadConfig(undefined, { duckdb: { blockAllocatorMemory: 'plenty' } } as never)).toThrow(UsageError);
  expect(() => loadConfig(undefined, { duckdb: { blockAllocatorMemory: '-1GB' } } as never)).toThrow(/a size such as 1GB, or 0/);
});
