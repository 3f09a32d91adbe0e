import { ident, type Database } from '../db/Database.js';
import { ORDER_LEVEL_COLUMNS, type InputSpec } from '../shared/inputSpecs.js';
import { forgetReplacedLoads } from './loadedFiles.js';
import { linesForRejects } from './stageFile.js';
import { checkedFull, show } from './validateStage.js';

/** What a file added: rows_accepted = rows_new + rows_updated; with rejected and duplicate rows, every row read. */
export interface MergeCounts {
  rows_accepted: number;
  rows_rejected: number;
  rows_duplicate: number;
  rows_new: number;
  rows_updated: number;
}

/**
 * The rows of temp table `checked` that were rejected, into rejected_rows
 * with their text, reason and class (`pendingLines`: the staged file whose
 * lines were counted, not read: StagedFile.pendingLines).
 */
export async function recordRejects(db: Database, kind: string, path: string, runId: string, pendingLines?: string): Promise<void> {
  await linesForRejects(db, pendingLines);
  await db.run(
    `INSERT INTO rejected_rows (run_id, kind, file, line, raw, reason, reason_class)
     SELECT $run_id, $kind, $file, c.line, coalesce(c.raw, l.raw), c.reason, c.reason_class
     FROM checked c LEFT JOIN stage_lines l ON l.line = c.line
     WHERE c.status = 'rejected' ORDER BY c.line`,
    { run_id: runId, kind, file: path },
  );
}

/** The columns of a kind's table that a file's rows fill (an orders table holds the order-level ones). */
export const storedColumns = (spec: InputSpec) => (spec.kind === 'orders' ? ORDER_LEVEL_COLUMNS : spec.columns.map((c) => c.name));

/**
 * Rows of `checked` whose key is stored with another value of the spec's
 * fixed column (a customer already referred by someone else) become
 * rejected rows naming the stored value and where it came from.
 */
export async function rejectChangedFixed(db: Database, spec: InputSpec): Promise<void> {
  if (!spec.fixed) return;
  const key = ident(spec.key);
  const col = ident(spec.fixed);
  await db.run(`UPDATE checked c SET status = 'rejected',
      reason = '${spec.key} ' || ${show(`c.${key}`)} || ' already has ${spec.fixed} ' || ${show(`s.${col}`)} || ' (from ' || coalesce(s.source_file, 'an earlier file') || '); a second one is not taken',
      reason_class = '${spec.key}_has_another_${spec.fixed}'
    FROM ${ident(spec.table)} s WHERE s.${key} = c.${key} AND c.status = 'ok' AND s.${col} IS DISTINCT FROM c.${col}`);
}

/**
 * Merges temp table `checked` (one row per key) into the spec's table and
 * records its rejects. Into an empty table every accepted row is new: then
 * there is nothing to match, delete or re-sort (`inFileOrder`: checked is
 * already in file order; `fixedRejected`: the caller already rejected the
 * rows that would change a fixed column, rejectChangedFixed).
 */
export async function mergeChecked(db: Database, spec: InputSpec, path: string, runId: string, inFileOrder: boolean, pendingLines?: string, fixedRejected = false): Promise<MergeCounts> {
  if (!fixedRejected) await rejectChangedFixed(db, spec);
  await recordRejects(db, spec.kind, path, runId, pendingLines);
  const key = ident(spec.key);
  const cols = storedColumns(spec);
  const stored = (c: string) => (spec.kind === 'orders' && c === 'amount' ? 'amount_original' : c);
  const empty = !(await db.value<boolean>(`SELECT EXISTS (SELECT 1 FROM ${ident(spec.table)})`));
  const full = await checkedFull(db);
  if (empty) {
    await db.run(`CREATE OR REPLACE TEMP VIEW merge_plan AS SELECT *, 'new' AS outcome FROM ${full} WHERE status = 'ok'`);
  } else {
    const same = cols.map((c) => `s.${ident(stored(c))} IS NOT DISTINCT FROM c.${ident(c)}`).join(' AND ');
    await db.run(`CREATE OR REPLACE TEMP TABLE merge_plan AS
      SELECT c.*, CASE WHEN s.${key} IS NULL THEN 'new' WHEN ${same} THEN 'duplicate' ELSE 'updated' END AS outcome
      FROM ${full} c LEFT JOIN ${ident(spec.table)} s ON s.${key} = c.${key}
      WHERE c.status = 'ok'`);
    await forgetReplacedLoads(db, ident(spec.table), key, runId);
    await db.run(`DELETE FROM ${ident(spec.table)} WHERE ${key} IN (SELECT ${key} FROM merge_plan WHERE outcome = 'updated')`);
  }

  const insertCols = [...cols];
  const values = cols.map((c) => `m.${ident(c)}`);
  if (spec.timestamp) {
    insertCols.push(spec.timestamp.dateColumn);
    values.push(db.dateOf(`m.${ident(spec.timestamp.column)}`));
  }
  const converts = spec.kind === 'orders' && (await db.value<number>('SELECT count(*) FROM fx')) > 0;
  if (spec.kind === 'orders') {
    // amount is kept in the configured currency; the file's value stays in amount_original.
    insertCols.push('amount_original');
    if (converts) values[cols.indexOf('amount')] = 'CAST(m.amount * coalesce(fx.rate, 1) AS DECIMAL(18, 2))';
    values.push('m.amount');
  }
  insertCols.push('source_file', 'source_line', 'loaded_run');
  values.push('$file', 'm.line', '$run_id');
  await db.run(
    `INSERT INTO ${ident(spec.table)} (${insertCols.map(ident).join(', ')})
     SELECT ${values.join(', ')} FROM merge_plan m
     ${converts ? 'LEFT JOIN fx ON fx.currency = upper(m.currency)' : ''}
     WHERE m.outcome IN ('new', 'updated') ${empty && inFileOrder && !converts ? '' : 'ORDER BY m.line'}`,
    { file: path, run_id: runId },
  );
  const row = await db.one<Record<string, number>>(`SELECT
      count(*) FILTER (WHERE status = 'ok') - (SELECT count(*) FROM merge_plan WHERE outcome = 'duplicate') AS rows_accepted,
      count(*) FILTER (WHERE status = 'rejected') AS rows_rejected,
      count(*) FILTER (WHERE status = 'duplicate') + (SELECT count(*) FROM merge_plan WHERE outcome = 'duplicate') AS rows_duplicate,
      (SELECT count(*) FROM merge_plan WHERE outcome = 'new') AS rows_new,
      (SELECT count(*) FROM merge_plan WHERE outcome = 'updated') AS rows_updated
    FROM checked`);
  await db.run(empty ? 'DROP VIEW merge_plan' : 'DROP TABLE merge_plan');
  return {
    rows_accepted: row!.rows_accepted!,
    rows_rejected: row!.rows_rejected!,
    rows_duplicate: row!.rows_duplicate!,
    rows_new: row!.rows_new!,
    rows_updated: row!.rows_updated!,
  };
}
