import { constants, copyFileSync, existsSync, rmSync } from 'node:fs';
import { ident, literal, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { isProgrammingError } from '../errors.js';

/**
 * The previous release's database copy as the start of this one's, when
 * its score history is the working database's, row for row: the history
 * is the one table of the copy that grows with every run, and this way it
 * is written once, not again at every run (this run appends its rows).
 *
 * `previous` is copied to `path` (the previous release is left as it was)
 * and attached as `publication`; it is kept only if it holds exactly the
 * `tables` a fresh copy is made of and its customer_scores_history has
 * the working one's columns and the same rows (count and a hash of every
 * row, customer_scores_history_fingerprint.sql). Then every table but the
 * history is dropped, for the caller to write again, and true is
 * returned with the copy attached. Otherwise nothing is left at `path`,
 * nothing is attached, and false is returned: the caller writes a fresh
 * copy.
 */
export async function startFromPrevious(db: Database, previous: string, path: string, tables: readonly string[]): Promise<boolean> {
  // A copy with a write-ahead log beside it was not closed cleanly: not a base to build on.
  if (!existsSync(previous) || existsSync(`${previous}.wal`)) return false;
  copyFileSync(previous, path, constants.COPYFILE_FICLONE);
  let attached = false;
  try {
    await db.run(`ATTACH ${literal(path)} AS publication`);
    attached = true;
    if (await sameHistory(db, tables)) {
      for (const table of tables) if (table !== 'customer_scores_history') await db.run(`DROP TABLE publication.${table}`);
      // The dropped tables' blocks are free for the new ones only once checkpointed (else the file would grow by them).
      await db.run('CHECKPOINT publication');
      return true;
    }
  } catch (err) {
    // A copy DuckDB cannot read (damaged, or another version's) is written fresh instead.
    if (isProgrammingError(err)) throw err;
  }
  if (attached) await db.run('DETACH publication');
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return false;
}

/**
 * Whether the attached `publication` holds exactly `tables` and the working database's score history, row for row,
 * with the columns a fresh copy's history has (the working history's rows and this run's, customer_scores_history.sql,
 * as one table: the types they share).
 */
async function sameHistory(db: Database, tables: readonly string[]): Promise<boolean> {
  const held = (await db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'publication' ORDER BY 1`)).map((r) => r.t);
  const views = await db.value<number>(`SELECT count(*) FROM duckdb_views() WHERE database_name = 'publication' AND NOT internal`);
  if (views > 0 || JSON.stringify(held) !== JSON.stringify([...tables].sort())) return false;
  const fresh = await db.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM customer_scores_history
    UNION ALL ${readSql('publish/customer_scores_history.sql')})`, { run_id: '', horizon: 0 });
  const kept = await db.all<{ column_name: string; column_type: string }>('SELECT column_name, column_type FROM (DESCRIBE publication.customer_scores_history)');
  if (JSON.stringify(kept) !== JSON.stringify(fresh)) return false;
  // The working rows in the copy's types (a hash depends on the type: 3 as INTEGER is not 3 as BIGINT).
  const working = `SELECT ${fresh.map((c) => `CAST(${ident(c.column_name)} AS ${c.column_type}) AS ${ident(c.column_name)}`).join(', ')} FROM customer_scores_history`;
  const fingerprint = async (source: string) => JSON.stringify(await db.one(`WITH history AS (${source}) ${readSql('publish/customer_scores_history_fingerprint.sql')}`));
  return (await fingerprint('SELECT * FROM publication.customer_scores_history')) === (await fingerprint(working));
}
