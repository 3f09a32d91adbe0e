import type { Database, Params } from '../db/Database.js';

/** What one stage did to the database: the tables (and views) it created, replaced or grew, and the tables its statements name. */
export interface StageAudit {
  stage: string;
  changed: string[];
  mentioned: string[];
}

/**
 * Each persistent table's identity and size, and each view's identity: a table created, replaced or
 * appended to gets another, and so does a view created or replaced (persona_traits, customer_scores once
 * published), or a table made a view.
 */
async function tableVersions(db: Database): Promise<Map<string, string>> {
  const rows = await db.all<{ table_name: string; version: string }>(
    `SELECT table_name, table_oid || '/' || estimated_size AS version FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database()
     UNION ALL
     SELECT view_name, 'view ' || view_oid FROM duckdb_views() WHERE NOT internal AND NOT temporary AND database_name = current_database()`);
  return new Map(rows.map((r) => [r.table_name, r.version]));
}

/**
 * The table names a statement mentions: its words once comments, string
 * literals and `AS alias` names are taken out, and its bound text values
 * (query_table's table names travel as parameters).
 */
export function tablesMentioned(sql: string, params: Params | undefined, tables: Iterable<string>): string[] {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, ' ')
    .replace(/\bAS\s+"?[A-Za-z_][A-Za-z0-9_]*"?/gi, ' ');
  const words = new Set(code.match(/(?<![.\w])[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  const values = new Set(Object.values(params ?? {}).filter((v): v is string => typeof v === 'string'));
  return [...tables].filter((t) => words.has(t) || values.has(t));
}

/**
 * Watches one stage: call `finish()` after it to get what it changed and
 * mentioned (tests/e2e/stageTables.test.ts checks these against the
 * stage's declared reads and writes).
 */
export async function auditStage(db: Database, stage: string): Promise<{ finish(): Promise<StageAudit> }> {
  const before = await tableVersions(db);
  const statements: { sql: string; params: Params | undefined }[] = [];
  db.onQuery((sql, params) => statements.push({ sql, params }));
  return {
    async finish() {
      db.onQuery(undefined);
      const after = await tableVersions(db);
      const changed = [...after.keys()].filter((t) => before.get(t) !== after.get(t)).sort();
      const names = new Set([...before.keys(), ...after.keys()]);
      const mentioned = [...new Set(statements.flatMap((s) => tablesMentioned(s.sql, s.params, names)))].sort();
      return { stage, changed, mentioned };
    },
  };
}
