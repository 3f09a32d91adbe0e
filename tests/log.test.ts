import { expect, test, vi } from 'vitest';
import { createLogger, progress, silentLogger } from '../pipeline/log.js';

test('one logger at the level asked (FIDELIO_LOG_LEVEL by default), a child per stage carrying its name; the silent one logs nothing', () => {
  const log = createLogger({ level: 'warn', pretty: false });
  expect(log.level).toBe('warn');
  expect(log.isLevelEnabled('info')).toBe(false);
  expect(log.isLevelEnabled('error')).toBe(true);
  expect(log.child({ stage: 'ingest' }).bindings()).toEqual({ stage: 'ingest' });
  process.env.FIDELIO_LOG_LEVEL = 'debug';
  try {
    expect(createLogger({ pretty: false }).level).toBe('debug');
  } finally {
    delete process.env.FIDELIO_LOG_LEVEL;
  }
  expect(silentLogger.isLevelEnabled('fatal')).toBe(false);
});

test('progress draws nothing off a terminal', () => {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as never);
  try {
    const bar = progress('x', 10);
    bar.tick(5);
    bar.end();
    expect(spy).toHaveBeenCalledTimes(process.stderr.isTTY ? 2 : 0);
  } finally {
    spy.mockRestore();
  }
});
