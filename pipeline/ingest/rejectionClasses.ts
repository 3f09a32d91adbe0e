import type { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import type { RejectionClassRecord } from '../manifest.js';

/** One class of rejected lines: how many, and the first of them as an example. */
export type RejectionClass = RejectionClassRecord;

/**
 * The rejected lines of a run (or of one file of it) by reason class, most
 * lines first (rejection_classes.sql): a line with several problems counts
 * in each of its classes.
 */
export async function rejectionClasses(db: Database, runId: string, file?: string): Promise<RejectionClass[]> {
  const rows = await db.all<RejectionClass & Record<string, unknown>>(readSql('ingest/rejection_classes.sql'), { run_id: runId, file: file ?? null });
  // The example's text is cut for the manifest and messages (the table keeps the line whole).
  return rows.map((r) => ({ ...r, example_raw: r.example_raw !== null && r.example_raw.length > 300 ? `${r.example_raw.slice(0, 300)}…` : r.example_raw }));
}

/** The top classes in words, each with its count and example line: for the messages of a run that stops. */
export function describeClasses(classes: RejectionClass[], top = 3): string {
  return classes.slice(0, top).map((c) => {
    const raw = c.example_raw === null ? '' : `: ${c.example_raw.length > 120 ? `${c.example_raw.slice(0, 120)}…` : c.example_raw}`;
    return `${c.reason_class} ${c.lines.toLocaleString('en-US')} line${c.lines === 1 ? '' : 's'} (${c.kind}${c.example_line === null ? '' : ` line ${c.example_line}`}${raw}: ${c.example_reason})`;
  }).join('; ');
}
