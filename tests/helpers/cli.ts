import { Writable } from 'node:stream';
import { pino } from 'pino';
import { main } from '../../pipeline/cli.js';

/** Runs the CLI in-process, capturing standard output and the log records. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; logs: { level: number; msg: string }[]; errors: string }> {
  const logs: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  let stdout = '';
  const code = await main(args, pino({ level: 'info' }, sink), (t) => {
    stdout += t;
  });
  await new Promise((r) => setImmediate(r));
  return { code, stdout, logs, errors: logs.filter((l) => l.level >= 50).map((l) => l.msg).join('\n') };
}
