import { constants, copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ident, literal, rowsPrintSql, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { isProgrammingError } from '../errors.js';

/**
 * How a run knew that the previous copy's history is the working one:
 * `recorded`, from what the run that published it recorded
 * (recordCopy: that release's copy, untouched since, and the working
 * history's rows as that run left them); `compared`, from both histories'
 * fingerprints (every row of each read).
 */
export type HistoryCheck = 'recorded' | 'compared';

/** The working database's table where a publication records its copy (recordCopy). */
const RECORD = 'published_copy';

/** The customers' columns the copy holds (for `fidelio list --country` and the lists' names and emails). */
export const COPIED_CUSTOMER_COLUMNS = ['customer_id', 'country', 'name', 'email'] as const;

/**
 * What identifies the rows of each copied table a publication may keep from the previous copy (the customers,
 * written again at every run though they change seldom): their print (rowsPrintSql) over the columns the copy
 * holds, read from the working table (a few hundredths of a second for a million customers).
 */
export async function copiedPrints(db: Database): Promise<Record<string, string>> {
  return { customers: (await db.value<string>(`SELECT ${rowsPrintSql('customers', COPIED_CUSTOMER_COLUMNS)}`))! };
}

/**
 * The previous release's database copy as the start of this one's, when
 * its score history is the working database's, row for row: the history
 * is the one table of the copy that grows with every run, and this way it
 * is written once, not again at every run (this run appends its rows).
 *
 * `previous` is copied to `path` (the previous release is left as it was)
 * and attached as `publication`; it is kept only if it holds exactly the
 * `tables` a fresh copy is made of and its customer_scores_history has
 * the working one's columns and the same rows. The rows are known to be the
 * same without reading them when the run that published `previous`
 * recorded it (recordCopy) and neither side changed since: the file is the
 * one it wrote (same inode, size and modification time) and both histories
 * hold the rows it left. Otherwise both histories are read and compared
 * (count and a hash of every row, customer_scores_history_fingerprint.sql):
 * a cost that grows with the history. When kept, every table but the
 * history is dropped, for the caller to write again, and how the history
 * was known is returned with the copy attached; but a table of `prints`
 * (copiedPrints, of the working tables now) is kept too where the copy is the
 * one recorded and its record holds the same print for it: its rows are the
 * ones the caller would write. Otherwise nothing is left at `path`, nothing
 * is attached, and undefined is returned: the caller writes a fresh copy.
 */
export async function startFromPrevious(db: Database, previous: string, path: string, tables: readonly string[], prints: Record<string, string> = {}): Promise<HistoryCheck | undefined> {
  // A copy with a write-ahead log beside it was not closed cleanly: not a base to build on.
  if (!existsSync(previous) || existsSync(`${previous}.wal`)) return undefined;
  const identity = copyIdentity(previous);
  copyFileSync(previous, path, constants.COPYFILE_FICLONE);
  let attached = false;
  try {
    await db.run(`ATTACH ${literal(path)} AS publication`);
    attached = true;
    const same = await sameHistory(db, tables, basename(dirname(previous)), identity);
    if (same) {
      const { check, recordedPrints } = same;
      const unchanged = (table: string) => check === 'recorded' && prints[table] !== undefined && recordedPrints[table] === prints[table];
      for (const table of tables) if (table !== 'customer_scores_history' && !unchanged(table)) await db.run(`DROP TABLE publication.${table}`);
      // The dropped tables' blocks are free for the new ones only once checkpointed (else the file would grow by them).
      await db.run('CHECKPOINT publication');
      return check;
    }
  } catch (err) {
    // A copy DuckDB cannot read (damaged, or another version's) is written fresh instead.
    if (isProgrammingError(err)) throw err;
  }
  if (attached) await db.run('DETACH publication');
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return undefined;
}

/**
 * Records, on `db` (the connection whose transaction appends this run's history rows, committed with them), the
 * copy that release `release` publishes at `copy` (closed, at its staging path: the release's rename keeps what
 * identifies it) and the working history's rows once this run's are in: what the next run checks to know the copy's
 * history is the working one without reading either (startFromPrevious).
 */
export async function recordCopy(db: Database, release: string, copy: string, prints: Record<string, string> = {}): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE ${RECORD} AS SELECT CAST($release AS VARCHAR) AS release, CAST($file AS VARCHAR) AS file,
    (SELECT count(*) FROM customer_scores_history) AS history_rows, CAST($prints AS VARCHAR) AS prints`, { release, file: copyIdentity(copy), prints: JSON.stringify(prints) });
}

/** What identifies a closed file as the one written: its inode, size and modification time (nanoseconds). */
function copyIdentity(path: string): string {
  const s = statSync(path, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}`;
}

/**
 * Whether the attached `publication` holds exactly `tables` and the working database's score history, row for row,
 * with the columns a fresh copy's history has (the working history's rows and this run's, customer_scores_history.sql,
 * as one table: the types they share); and how that was known. `release` and `identity` are the copy's release and
 * file identity.
 */
async function sameHistory(db: Database, tables: readonly string[], release: string, identity: string): Promise<{ check: HistoryCheck; recordedPrints: Record<string, string> } | undefined> {
  const held = (await db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE database_name = 'publication' ORDER BY 1`)).map((r) => r.t);
  const views = await db.value<number>(`SELECT count(*) FROM duckdb_views() WHERE database_name = 'publication' AND NOT internal`);
  if (views > 0 || JSON.stringify(held) !== JSON.stringify([...tables].sort())) return undefined;
  const fresh = await db.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM customer_scores_history
    UNION ALL ${readSql('publish/customer_scores_history.sql')})`, { run_id: '', horizon: 0 });
  const kept = await db.all<{ column_name: string; column_type: string }>('SELECT column_name, column_type FROM (DESCRIBE publication.customer_scores_history)');
  if (JSON.stringify(kept) !== JSON.stringify(fresh)) return undefined;
  const recordedPrints = await recorded(db, release, identity);
  if (recordedPrints) return { check: 'recorded', recordedPrints };
  // The working rows in the copy's types (a hash depends on the type: 3 as INTEGER is not 3 as BIGINT).
  const working = `SELECT ${fresh.map((c) => `CAST(${ident(c.column_name)} AS ${c.column_type}) AS ${ident(c.column_name)}`).join(', ')} FROM customer_scores_history`;
  const fingerprint = async (source: string) => JSON.stringify(await db.one(`WITH history AS (${source}) ${readSql('publish/customer_scores_history_fingerprint.sql')}`));
  return (await fingerprint('SELECT * FROM publication.customer_scores_history')) === (await fingerprint(working)) ? { check: 'compared', recordedPrints: {} } : undefined;
}

/**
 * Whether the working database's record (recordCopy) is of this copy, untouched since (`release`, `identity`), and
 * both histories still hold the rows it recorded: the prints it recorded of the copy's other tables when so (none in
 * a record made before they were), undefined when not. The run that recorded it wrote the copy's history as the working
 * one plus its rows and appended the same rows to the working one in the transaction that recorded it, so the two
 * were the same then; a row count (read from DuckDB's row groups, not the rows) catches rows added or removed since
 * on either side, a later publication, a database restored from an earlier state or another database publishing
 * into the same folder (whose release is not the one recorded).
 */
async function recorded(db: Database, release: string, identity: string): Promise<Record<string, string> | undefined> {
  if (!(await db.hasTable(RECORD))) return undefined;
  const r = await db.one<{ release: string; file: string; history_rows: bigint | number; prints?: string | null }>(`SELECT * FROM ${RECORD}`);
  if (!r || r.release !== release || r.file !== identity) return undefined;
  const counts = await db.one<{ working: bigint | number; copy: bigint | number }>(`SELECT (SELECT count(*) FROM customer_scores_history) AS working,
    (SELECT count(*) FROM publication.customer_scores_history) AS copy`);
  if (Number(counts?.working) !== Number(r.history_rows) || Number(counts?.copy) !== Number(r.history_rows)) return undefined;
  return r.prints ? (JSON.parse(r.prints) as Record<string, string>) : {};
}
