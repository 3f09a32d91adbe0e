import type { Hono } from 'hono';

/** A request to an app as a browser on this machine sends it (Host: 127.0.0.1:8080), without a socket. */
export async function get(app: Hono, path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await app.request(`http://127.0.0.1:8080${path}`, { headers: { host: '127.0.0.1:8080', ...headers }, redirect: 'manual' });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/** A form posted to the app from its own page (Origin: this server), or from `origin`. */
export async function post(app: Hono, path: string, form: Record<string, string>, origin = 'http://127.0.0.1:8080'): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await app.request(`http://127.0.0.1:8080${path}`, {
    method: 'POST', body: new URLSearchParams(form).toString(), redirect: 'manual',
    headers: { host: '127.0.0.1:8080', origin, 'content-type': 'application/x-www-form-urlencoded' },
  });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

/** The CSRF token a page's campaign form carries. */
export function formToken(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf field in the page');
  return m[1]!;
}
