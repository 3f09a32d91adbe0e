import { afterAll, beforeAll, expect, test } from 'vitest';
import { UsageError } from '../../pipeline/errors.js';
import { startServer } from '../../pipeline/serve/startServer.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('on the loopback address by default: a real socket answers the overview', async () => {
  const s = await startServer({ ...f.options(), port: 0 });
  try {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await fetch(s.url);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<h1>Overview');
  } finally {
    await s.close();
  }
});

test('beyond the loopback address: refuses to start without a token; with one, 401 unless the request carries it', async () => {
  await expect(startServer({ ...f.options({ host: '0.0.0.0' }), port: 0 })).rejects.toThrow(UsageError);
  const token = 'a-token-of-24-characters';
  const s = await startServer({ ...f.options({ host: '0.0.0.0', token }), port: 0 });
  try {
    const url = s.url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  } finally {
    await s.close();
  }
});
