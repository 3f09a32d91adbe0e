import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

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
    return pino({ level }, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' }));
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for library callers and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Progress for long loops: a single rewritten line on a TTY, nothing
 * otherwise (the stage's own log lines carry the totals).
 */
export function progress(label: string, total: number): { tick(done: number): void; end(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  return {
    tick(done: number) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      process.stderr.write(`\r${label} ${done}/${total} (${pct}%)`);
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
