import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { UsageError } from '../errors.js';

/** The addresses that only this machine reaches. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * The bind rule: the loopback address needs nothing; any other address
 * (a LAN, 0.0.0.0) serves customer data to whoever reaches it, so fidelio
 * refuses to start without a token of at least 16 characters.
 */
export function checkBind(host: string, token: string | undefined): void {
  if (isLoopback(host)) return;
  if (!token) throw new UsageError(`fidelio serve --host ${host} would serve customer data beyond this machine: give a token with --token or FIDELIO_TOKEN (every request must then carry it), or bind to 127.0.0.1`);
  if (token.length < 16) throw new UsageError(`the token must be at least 16 characters, got ${token.length}`);
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
const COOKIE = 'fidelio_token';

/**
 * With a token, every request carries it: `Authorization: Bearer <token>`,
 * or the cookie set when the page is first opened as `/?token=<token>`
 * (that request is redirected to the same address without the token, so it
 * stays out of the history and of logs). Anything else: 401.
 */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return next();
    const query = c.req.query('token');
    if (query !== undefined && same(query, token)) {
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(url.pathname + url.search, 303);
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const cookie = getCookie(c, COOKIE);
    if ((bearer !== undefined && same(bearer, token)) || (cookie !== undefined && same(cookie, token))) return next();
    return c.text('401: this fidelio serve needs its token: open it as /?token=<token>, or send Authorization: Bearer <token>', 401, { 'WWW-Authenticate': 'Bearer' });
  };
}

/**
 * On the loopback address, only requests addressed to it: a page elsewhere
 * that rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own
 * host name and is refused.
 */
export function requireLocalHost(loopbackOnly: boolean): MiddlewareHandler {
  return async (c, next) => {
    if (!loopbackOnly) return next();
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
    if (!isLoopback(host)) return c.text(`421: this server answers requests to the loopback address only, not to "${host}"`, 421);
    return next();
  };
}

/** The content security policy: everything from fidelio itself, no inline script or style, no frames, forms only to itself. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  // same-origin, not no-referrer: with no-referrer the browser posts the form with Origin: null, which the campaign's cross-site check refuses.
  c.header('Referrer-Policy', 'same-origin');
  c.header('X-Frame-Options', 'DENY');
  c.header('Cache-Control', 'no-store');
};

/**
 * Cross-site request protection for the one write: the form carries a
 * token that only a page served by this process holds (a page on another
 * site cannot read it), and the browser's Origin, where it sends one, must
 * be this server's own.
 */
export class CsrfGuard {
  /** Random per process: a security token must not be guessable, so it is not seeded. */
  readonly token = randomBytes(24).toString('base64url');

  check(formToken: unknown, origin: string | undefined, requestUrl: string): string | undefined {
    if (typeof formToken !== 'string' || !same(formToken, this.token)) return 'the form is missing its token or comes from another page: open the campaign form again and send it from there';
    if (origin !== undefined && origin !== 'null' && origin !== new URL(requestUrl).origin) return `a request from ${origin} may not record campaigns`;
    if (origin === 'null') return 'a request from an opaque origin may not record campaigns';
    return undefined;
  }
}
