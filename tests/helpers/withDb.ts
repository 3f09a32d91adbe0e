import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, type DatabaseOptions } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';

/** Runs `body` on a fresh, migrated in-memory database (opened with `options`), closed afterwards. */
export async function withDb<T>(body: (db: Database) => Promise<T>, options: DatabaseOptions = {}): Promise<T> {
  const db = await Database.open(':memory:', options);
  try {
    await migrate(db);
    return await body(db);
  } finally {
    db.close();
  }
}

/** A temporary folder for the test's files, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-test-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `content` to `dir/name` and returns the path. */
export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
