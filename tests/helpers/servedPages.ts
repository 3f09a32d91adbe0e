import type { Database } from '../../pipeline/db/Database.js';
import type { PublicationInfo } from '../../pipeline/serve/layout.js';
import { PublishedData } from '../../pipeline/serve/publishedData.js';
import type { ServedFixture } from './servedFixture.js';

export const INFO: PublicationInfo = { runId: 'r1', asOf: '2026-09-30', modelVersion: 'fidelio-fixture', currency: 'EUR', horizonDays: 90, cmgr: { months: 12, from: '2025-09-01', to: '2026-09-01', value: 0.0125 } };

/** Runs `body` on the fixture's publication as the server opens it, with the page's HTML as a string. */
export async function onPublication<T>(f: ServedFixture, body: (db: Database, path: string) => Promise<T>): Promise<T> {
  const p = new PublishedData(f.out);
  try {
    return await p.with((s) => body(s.db, `${s.release}/fidelio.duckdb`));
  } finally {
    p.close();
  }
}
