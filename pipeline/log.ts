import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { status } from './statusLine.js';

export type { Logger };

/**
 * One logger for the process, always on standard error (standard output
 * carries only a command's data). Readable lines on a terminal, JSON
 * otherwise, so schedulers and log shippers get structured records.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.FIDELIO_LOG_LEVEL ?? 'info';
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (usePretty) {
    // Each record formatted and written at once, above the progress line (statusLine.ts), never into it.
    const format = prettyFactory({ colorize: true, ignore: 'pid,hostname' });
    return pino({ level }, { write: (record: string) => status.above(format(record)) });
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for library callers and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Progress for long loops: the count shown on the run's status line
 * (statusLine.ts) beside the running stage and step, on a terminal only;
 * the stage's own log lines carry the totals.
 */
export function progress(label: string, total: number): { tick(done: number): void; end(): void } {
  return {
    tick(done: number) {
      status.count(label, done, total);
    },
    end() {
      status.uncount();
    },
  };
}
