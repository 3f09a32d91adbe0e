import { expect, test } from 'vitest';
import { DataError, FidelioError, InputError, UsageError } from '../pipeline/errors.js';

test('each error class carries the exit code of the contract: 2 usage and input shape, 1 data', () => {
  const usage = new UsageError('invalid configuration', ['horizonDays: too small', 'colour: unknown']);
  expect(usage).toBeInstanceOf(FidelioError);
  expect([usage.exitCode, usage.code, usage.name]).toEqual([2, 'E_USAGE', 'UsageError']);
  expect(usage.message).toBe('invalid configuration\n  - horizonDays: too small\n  - colour: unknown');
  expect(new UsageError('plain').message).toBe('plain');
  expect([new InputError('x').exitCode, new InputError('x').code]).toEqual([2, 'E_INPUT']);
  expect([new DataError('x').exitCode, new DataError('x').code]).toEqual([1, 'E_DATA']);
});
