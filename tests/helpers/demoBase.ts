import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { generateDemoData, type DemoFiles } from '../../pipeline/demo/generateDemoData.js';
import { buildFeatures } from '../../pipeline/features/customerFeatures.js';
import { ingestInputs } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { TEST_INGEST } from './handHistory.js';

export interface DemoBase {
  db: Database;
  dir: string;
  files: DemoFiles;
  close(): void;
}

/**
 * A generated base (the seeded demo generator) loaded into a fresh database
 * file with customer_features as of `asOf`: what the features stage leaves,
 * for tests of the later parts at a size a test affords.
 */
export async function demoBase(customers: number, seed: number, asOf = '2026-09-30'): Promise<DemoBase> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-base-'));
  const files = generateDemoData(dir, { customers, seed, months: 30 });
  const db = await Database.open(join(dir, 'f.duckdb'));
  await migrate(db);
  await ingestInputs(db, { orders: [files.orders], customers: [files.customers], tickets: [files.tickets] }, { ...TEST_INGEST, runTime: new Date('2026-11-01T00:00:00Z') }, silentLogger);
  await buildFeatures(db, asOf);
  return {
    db, dir, files,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
