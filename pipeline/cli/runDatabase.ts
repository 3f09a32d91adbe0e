import { existsSync } from 'node:fs';
import { loadConfig, type Config, type ConfigInput } from '../config.js';
import { Database } from '../db/Database.js';
import { InputError } from '../errors.js';

/**
 * Opens the working database for a command that reads what runs left in it;
 * a missing `table` is an input error saying to run the pipeline first.
 */
export async function withRunDatabase<T>(o: { db?: string; config?: string }, table: string, body: (db: Database, config: Config) => Promise<T>, readOnly = true): Promise<T> {
  const config = loadConfig(o.config, { db: o.db } as ConfigInput);
  if (!existsSync(config.db)) throw new InputError(`${config.db} does not exist: run "fidelio run" first, or point --db at a fidelio database`);
  const db = await Database.open(config.db, { readOnly });
  try {
    if (!(await db.hasTable(table))) throw new InputError(`${config.db} has no ${table} yet: run "fidelio run" first`);
    return await body(db, config);
  } finally {
    db.close();
  }
}
