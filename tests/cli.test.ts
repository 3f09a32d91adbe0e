import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { buildProgram, main, VERSION } from '../pipeline/cli.js';
import { silentLogger } from '../pipeline/log.js';
import { runCli } from './helpers/cli.js';

test('the program has one command per file under cli/, in docs/commands.md\'s order', () => {
  const names = buildProgram(silentLogger, () => undefined).commands.map((c) => c.name());
  expect(names).toEqual(['run', 'inspect', 'features', 'btyd', 'list', 'models', 'demo-data', 'score-partition', 'runs', 'rejected', 'serve', 'contacts']);
});

test('exit codes: 0 for help, 2 for usage, the error class\'s code for failures', async () => {
  expect(await main(['--help'], silentLogger, () => undefined)).toBe(0);
  expect(await main(['nonsense'], silentLogger, () => undefined)).toBe(2);
  // An input error (exit 2) and a data error (exit 1) are logged with their message.
  const input = await runCli(['btyd', '--transactions', '/nowhere.csv', '--calibration-end', '2020-01-01']);
  expect(input.code).toBe(2);
  expect(input.errors).toContain('/nowhere.csv does not exist');
});

test('fidelio --version prints the package version on standard output, exit 0', async () => {
  const out = await runCli(['--version']);
  expect(out.code).toBe(0);
  expect(out.stdout).toBe(`${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`);
  expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
});

test('a failure is logged in words for the user, and at debug level with where it was raised and its cause', async () => {
  const { pino } = await import('pino');
  const records: { level: number; msg: string; err?: { type: string; stack: string } }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  expect(await main(['run', '--config', '/nowhere/fidelio.yaml'], log, () => undefined)).toBe(2);
  const error = records.find((r) => r.level === 50)!;
  expect(error.msg).toContain('/nowhere/fidelio.yaml');
  const debug = records.find((r) => r.level === 20 && r.err)!;
  expect(debug.msg).toBe('E_USAGE: where it was raised');
  expect(debug.err!.type).toBe('UsageError');
  expect(debug.err!.stack).toMatch(/at .*config\.(ts|js)/);
});
