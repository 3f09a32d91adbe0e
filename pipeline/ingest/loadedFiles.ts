import type { Database } from '../db/Database.js';
import type { FileIngest } from '../manifest.js';
import type { InputKind } from '../shared/inputSpecs.js';

/**
 * The version of the reading itself (staging, typing, checks): raised when
 * a release reads the same bytes into other rows, so that files loaded by
 * an older release are read again. 2: a line repeated in its order of a
 * line-items file is an item that counts, no longer a duplicate (issue 26);
 * 3: an order's stated refunds are kept apart (orders.amount_refunded).
 */
export const INGEST_VERSION = 3;

/** What decides how a file's bytes become rows: the same bytes read under the same settings give the same rows. */
export interface ReadSettings {
  kind: InputKind;
  format: object;
  /** Canonical column -> the file's column (undefined: absent). */
  columns: [string, string | undefined][];
  currency: string;
  earliestDate: string;
  /** The session's time zone: it dates every timestamp. */
  timezone: string;
  /** The exchange rates file's sha256, when amounts are converted. */
  exchangeRates?: string;
}

/** The settings as one string, the key a later run compares (key order fixed, so equal settings give equal strings). */
export function settingsKey(s: ReadSettings): string {
  return JSON.stringify([INGEST_VERSION, s.kind, s.format, s.columns, s.currency, s.earliestDate, s.timezone, s.exchangeRates ?? null]);
}

/** An earlier load of the same bytes under the same settings: the run that loaded it and its accounting. */
export type EarlierLoad = {
  run_id: string;
  path: string;
  rows_read: number;
  rows_rejected: number;
};

/**
 * The load that makes reading this file again pointless: the same content
 * (sha256) of the same kind under the same settings, merged by an earlier
 * run or earlier in this one. Its rows are in the tables and its rejected
 * lines in rejected_rows under that run. A load whose lines were rejected
 * for being after its run's time does not count: those lines may be
 * acceptable now, so such a file is read again. Nor does a load some of
 * whose rows a later merge replaced (forgetReplacedLoads).
 */
export async function earlierLoad(db: Database, sha256: string, settings: string): Promise<EarlierLoad | undefined> {
  const row = await db.one<EarlierLoad>(`SELECT run_id, path, CAST(rows_read AS DOUBLE) AS rows_read, CAST(rows_rejected AS DOUBLE) AS rows_rejected FROM loaded_files
    WHERE sha256 = $sha AND settings = $settings AND NOT after_run_time ORDER BY loaded_at DESC, run_id DESC LIMIT 1`,
  { sha: sha256, settings });
  return row ?? undefined;
}

/**
 * Records a file as loaded, inside the transaction that merged it (a file
 * stopped before its merge is never recorded, so it is read again).
 */
export async function recordLoad(db: Database, file: FileIngest, settings: string, runId: string, runTime: Date): Promise<void> {
  await db.run(`INSERT INTO loaded_files (sha256, kind, settings, path, run_id, loaded_at, rows_read, rows_accepted, rows_rejected, rows_duplicate, after_run_time)
    SELECT $sha, $kind, $settings, $path, $run_id, CAST($at AS TIMESTAMPTZ), $read, $accepted, $rejected, $duplicate,
      EXISTS (SELECT 1 FROM rejected_rows WHERE run_id = $run_id AND file = $path AND kind = $kind AND reason_class LIKE '%\\_after\\_run\\_time' ESCAPE '\\')`,
  {
    sha: file.sha256, kind: file.kind, settings, path: file.path, run_id: runId, at: runTime.toISOString(),
    read: file.rows_read, accepted: file.rows_accepted, rejected: file.rows_rejected, duplicate: file.rows_duplicate,
  });
}

/**
 * Within a merge (temp table merge_plan, its `outcome` per key): the loads
 * of earlier runs whose rows the merge replaces are no longer what the
 * tables hold, so they are forgotten and their files read again when next
 * given (a later file of this run's list is then read, not skipped, and
 * its rows win, as when every file is read in the list's order). A load of
 * this run replaced by a file after it in the list is kept: that is what
 * reading every file in order does.
 */
export async function forgetReplacedLoads(db: Database, table: string, key: string, runId: string): Promise<void> {
  await db.run(`DELETE FROM loaded_files l USING (
      SELECT DISTINCT s.source_file, s.loaded_run FROM ${table} s JOIN merge_plan m ON s.${key} = m.${key} WHERE m.outcome = 'updated'
    ) r WHERE l.path = r.source_file AND l.run_id = r.loaded_run AND l.run_id <> $run_id`, { run_id: runId });
}

/**
 * A skipped file's rejected lines, carried under this run (from the run that
 * read it) and named by the path this run was given, so that this run's
 * rejects, its report and `fidelio rejected` show what reading the file
 * again would have rejected.
 */
export async function carryRejects(db: Database, earlier: EarlierLoad, kind: InputKind, path: string, runId: string): Promise<void> {
  await db.run(`INSERT INTO rejected_rows (run_id, kind, file, line, raw, reason, reason_class)
    SELECT $run_id, kind, $path, line, raw, reason, reason_class FROM rejected_rows
    WHERE run_id = $earlier AND file = $earlier_path AND kind = $kind ORDER BY line`,
  { run_id: runId, path, earlier: earlier.run_id, earlier_path: earlier.path, kind });
}

/** The manifest entry of a file this run did not read: nothing read, and which run holds its rows. */
export function skippedFile(path: string, kind: InputKind, sha256: string, earlier: EarlierLoad, grain?: 'order' | 'line'): FileIngest {
  return {
    path, kind, sha256, rows_read: 0, rows_accepted: 0, rows_rejected: 0, rows_duplicate: 0, rows_new: 0, rows_updated: 0,
    exact_lines: true, ...(grain ? { grain } : {}), already_loaded: { run_id: earlier.run_id, path: earlier.path, rows_read: earlier.rows_read, rows_rejected: earlier.rows_rejected },
  };
}
