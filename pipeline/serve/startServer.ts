import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp, type ServeOptions } from './server.js';
import { checkBind } from './security.js';

export interface RunningServer {
  /** The address to open, e.g. http://127.0.0.1:8080/ */
  url: string;
  /** Settles once the pages made ahead (overview, personas, effects) are made for the publication found at start. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Starts `fidelio serve` on host:port (port 0: any free one); refuses a non-loopback host without a token first. */
export async function startServer(o: ServeOptions & { port: number }): Promise<RunningServer> {
  checkBind(o.host, o.token);
  const { app, close, ready } = createApp(o);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: o.host, port: o.port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    ready,
    close: () => new Promise<void>((resolve) => {
      server.close(() => {
        close();
        resolve();
      });
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
  };
}
