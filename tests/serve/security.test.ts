import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../pipeline/errors.js';
import { checkBind, CSP, CsrfGuard, isLoopback, requireLocalHost, requireToken, securityHeaders } from '../../pipeline/serve/security.js';
import { get } from '../helpers/serveRequest.js';

const TOKEN = 'a-token-of-24-characters';

function app(token?: string, loopbackOnly = false): Hono {
  const a = new Hono();
  a.use(securityHeaders);
  a.use(requireLocalHost(loopbackOnly));
  a.use(requireToken(token));
  a.get('/x', (c) => c.text('secret'));
  return a;
}

describe('the bind rule', () => {
  test('loopback addresses, and only those, need no token', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.10', '::', 'example.com', '128.0.0.1', '127.0.0.1.evil.com']) expect(isLoopback(h), h).toBe(false);
    expect(() => checkBind('127.0.0.1', undefined)).not.toThrow();
  });

  test('any other address refuses to start without a token, or with a short one', () => {
    expect(() => checkBind('0.0.0.0', undefined)).toThrow(UsageError);
    expect(() => checkBind('0.0.0.0', undefined)).toThrow(/--token or FIDELIO_TOKEN/);
    expect(() => checkBind('192.168.1.10', 'short')).toThrow(/at least 16 characters, got 5/);
    expect(() => checkBind('0.0.0.0', TOKEN)).not.toThrow();
  });
});

describe('the token', () => {
  test('401 without it or with a wrong one; the bearer header or the cookie pass', async () => {
    const a = app(TOKEN);
    expect((await get(a, '/x')).status).toBe(401);
    expect((await get(a, '/x', { authorization: 'Bearer wrong-token-of-24-chars' })).status).toBe(401);
    expect((await get(a, '/x', { authorization: `Bearer ${TOKEN}` })).text).toBe('secret');
    expect((await get(a, '/x', { cookie: `fidelio_token=${TOKEN}` })).text).toBe('secret');
    expect((await get(a, '/x', { cookie: 'fidelio_token=nope' })).status).toBe(401);
  });

  test('?token= sets an HttpOnly, SameSite=Strict cookie and redirects to the address without it', async () => {
    const r = await get(app(TOKEN), `/x?token=${TOKEN}&a=1`);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/x?a=1');
    expect(r.headers.get('set-cookie')).toMatch(new RegExp(`^fidelio_token=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`));
    expect((await get(app(TOKEN), '/x?token=wrong')).status).toBe(401);
  });

  test('without a token configured every request passes', async () => {
    expect((await get(app(), '/x')).text).toBe('secret');
  });
});

test('on the loopback address, a request addressed to another host name (DNS rebinding) is refused', async () => {
  const a = app(undefined, true);
  expect((await get(a, '/x')).status).toBe(200);
  expect((await get(a, '/x', { host: 'localhost:8080' })).status).toBe(200);
  expect((await get(a, '/x', { host: 'evil.example:8080' })).status).toBe(421);
});

test('every answer carries the content security policy and no-sniff, also a 401', async () => {
  for (const r of [await get(app(), '/x'), await get(app(TOKEN), '/x')]) {
    expect(r.headers.get('content-security-policy')).toBe(CSP);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  }
  expect(CSP).toContain("script-src 'self'");
  expect(CSP).not.toContain('unsafe-inline');
});

test('the cross-site guard: the form token of this process, from this origin', () => {
  const g = new CsrfGuard();
  const other = new CsrfGuard();
  expect(g.token).not.toBe(other.token);
  const url = 'http://127.0.0.1:8080/campaigns';
  expect(g.check(g.token, 'http://127.0.0.1:8080', url)).toBeUndefined();
  expect(g.check(g.token, undefined, url)).toBeUndefined();
  expect(g.check(other.token, 'http://127.0.0.1:8080', url)).toMatch(/missing its token/);
  expect(g.check(undefined, 'http://127.0.0.1:8080', url)).toMatch(/missing its token/);
  expect(g.check(g.token, 'http://evil.example', url)).toMatch(/from http:\/\/evil.example may not/);
  expect(g.check(g.token, 'null', url)).toMatch(/opaque origin/);
});
