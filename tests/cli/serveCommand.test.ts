import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../../pipeline/cli.js';
import { runCli } from '../helpers/cli.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('fidelio serve refuses to start (exit 2), saying what to do: --host 0.0.0.0 without a token, no publication, a bad port', async () => {
  const saved = process.env.FIDELIO_TOKEN;
  delete process.env.FIDELIO_TOKEN;
  try {
    const out = await runCli(['serve', '--db', f.db, '--out', f.out, '--host', '0.0.0.0', '--port', '0']);
    expect(out.code).toBe(2);
    expect(out.errors).toContain('give a token with --token or FIDELIO_TOKEN');
    const nothing = await runCli(['serve', '--db', f.db, '--out', `${f.dir}/elsewhere`, '--port', '0']);
    expect(nothing.code).toBe(2);
    expect(nothing.errors).toContain('elsewhere holds no publication (no fidelio.duckdb): run "fidelio run" first');
    const bad = await runCli(['serve', '--db', f.db, '--out', f.out, '--port', '80000']);
    expect(bad.code).toBe(2);
    expect(bad.errors).toContain('--port must be a number from 0 to 65535, got "80000"');
  } finally {
    if (saved !== undefined) process.env.FIDELIO_TOKEN = saved;
  }
});

test('fidelio serve serves until stopped, FIDELIO_TOKEN guarding a non-loopback bind', async () => {
  process.env.FIDELIO_TOKEN = 'token-from-the-environment';
  let announce: (url: string) => void;
  const listening = new Promise<string>((resolve) => (announce = resolve));
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const r = JSON.parse(line) as { url?: string };
        if (r.url) announce(r.url);
      }
      done();
    },
  });
  try {
    const running = main(['serve', '--db', f.db, '--out', f.out, '--host', '0.0.0.0', '--port', '0'], pino({ level: 'info' }, sink), () => undefined);
    const url = (await listening).replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(url)).status).toBe(401);
    const page = await fetch(`${url}lists/save?format=csv&top=2`, { headers: { authorization: 'Bearer token-from-the-environment' } });
    expect(await page.text()).toBe((await runCli(['list', 'save', '--db', f.db, '--top', '2'])).stdout);
    process.emit('SIGTERM');
    expect(await running).toBe(0);
  } finally {
    delete process.env.FIDELIO_TOKEN;
  }
});
