import { ident, literal, type Database } from '../db/Database.js';
import type { ColumnSpec, InputSpec } from '../shared/inputSpecs.js';

export interface ValidationContext {
  /** The moment of the run: a timestamp after it is a clock or export error. */
  runTime: Date;
  /** The currency amounts are kept in; other currencies need a rate in `fx`. */
  currency: string;
}

const show = (col: string) => `'''' || left(${col}, 60) || ''''`;

/** The SQL expression that turns a staged text column into its type (NULL when it cannot). */
function typedExpr(c: ColumnSpec): string {
  const v = `trim(${ident(c.name)})`;
  switch (c.type) {
    case 'text':
      return `NULLIF(${v}, '')`;
    case 'timestamp':
      return `TRY_CAST(NULLIF(${v}, '') AS TIMESTAMPTZ)`;
    case 'date':
      return `TRY_CAST(NULLIF(${v}, '') AS DATE)`;
    case 'decimal':
      return `TRY_CAST(NULLIF(${v}, '') AS DECIMAL(18, 2))`;
    case 'boolean':
      return `CASE WHEN lower(${v}) IN ('true', 't', '1', 'yes', 'y') THEN true
                   WHEN lower(${v}) IN ('false', 'f', '0', 'no', 'n') THEN false END`;
  }
}

/** The column holding a staged column's typed value (computed once, in a subquery). */
const typedRef = (c: ColumnSpec) => ident(`${c.name}__typed`);

/** True when a staged column's value is usable (the cheap test that spares most rows the reasons). */
function columnUsable(c: ColumnSpec): string | undefined {
  const raw = ident(c.name);
  if (c.required) return `${typedRef(c)} IS NOT NULL`;
  if (c.type === 'text') return undefined;
  return `(${typedRef(c)} IS NOT NULL OR ${raw} IS NULL OR trim(${raw}) = '')`;
}

/** Why a staged column's value is unusable, or NULL when it is fine. */
function columnProblem(c: ColumnSpec): string {
  const raw = ident(c.name);
  const blank = `(${raw} IS NULL OR trim(${raw}) = '')`;
  const unparsed = `(NOT ${blank} AND ${typedRef(c)} IS NULL)`;
  const name = c.name;
  const parts: string[] = [];
  if (c.required) parts.push(`WHEN ${blank} THEN 'missing ${name}'`);
  switch (c.type) {
    case 'timestamp':
      parts.push(`WHEN ${unparsed} THEN '${name} ' || ${show(raw)} || ' is not an ISO 8601 date or timestamp'`);
      break;
    case 'date':
      parts.push(`WHEN ${unparsed} THEN '${name} ' || ${show(raw)} || ' is not an ISO 8601 date'`);
      break;
    case 'decimal':
      parts.push(`WHEN ${unparsed} AND regexp_matches(trim(${raw}), '^-?[0-9]+,[0-9]+$')
        THEN '${name} ' || ${show(raw)} || ' uses a decimal comma; expected a decimal point'`);
      parts.push(`WHEN ${unparsed} THEN '${name} ' || ${show(raw)} || ' is not a number'`);
      break;
    case 'boolean':
      parts.push(`WHEN ${unparsed} THEN '${name} ' || ${show(raw)} || ' is not a boolean (true/false, 1/0, yes/no)'`);
      break;
    case 'text':
      break;
  }
  return parts.length ? `CASE ${parts.join(' ')} END` : 'NULL';
}

/**
 * Types and checks the staged rows into temp table `checked`: typed
 * columns, `reason` (every problem of the line, joined; NULL when the row is
 * usable) and `status`: 'ok', 'rejected' or 'duplicate' (an exact repeat of
 * an earlier line of the same file). A repeated key with other values in the
 * same file is rejected, naming the first line.
 */
export async function validateStage(db: Database, spec: InputSpec, ctx: ValidationContext, relation = 'stage'): Promise<{ inFileOrder: boolean }> {
  const problems = spec.columns.map(columnProblem);
  const usable = ['structural_error IS NULL', ...spec.columns.map(columnUsable).filter((u) => u !== undefined)];
  if (spec.timestamp) {
    const ts = spec.timestamp.column;
    const typed = typedRef(spec.columns.find((c) => c.name === ts)!);
    usable.push(`coalesce(${typed} <= CAST($run_time AS TIMESTAMPTZ), true)`);
    problems.push(`CASE WHEN ${typed} > CAST($run_time AS TIMESTAMPTZ) THEN '${ts} ' || ${show(ident(ts))} || ' is after the time of the run (' || $run_time || '); a clock or export error?' END`);
  }
  if (spec.kind === 'orders') {
    // The rates are few: inlined as a list (a subquery would be a join over every row).
    const rates = await db.all<{ currency: string }>('SELECT currency FROM fx ORDER BY currency');
    const known = rates.length ? ` AND upper(trim(currency)) NOT IN (${rates.map((r) => literal(r.currency)).join(', ')})` : '';
    usable.push(`NOT coalesce(upper(NULLIF(trim(currency), '')) <> $currency${known}, false)`);
    problems.push(`CASE WHEN upper(NULLIF(trim(currency), '')) <> $currency${known}
      THEN 'currency ' || ${show('trim(currency)')} || ' is not ' || $currency || ' and no exchange rate was given for it (config exchangeRates)' END`);
  }
  // Bind only the parameters this kind's checks use: DuckDB rejects unused ones.
  const params: Record<string, string> = {};
  if (spec.timestamp) params.run_time = ctx.runTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (spec.kind === 'orders') params.currency = ctx.currency;
  const typedCols = spec.columns.map((c) => `${typedRef(c)} AS ${ident(c.name)}`).join(',\n      ');
  const typing = spec.columns.map((c) => `${typedExpr(c)} AS ${typedRef(c)}`).join(',\n        ');
  const key = ident(spec.key);
  const names = spec.columns.map((c) => ident(c.name));
  const sameAsFirst = names.map((n) => `${n} IS NOT DISTINCT FROM first_value(${n}) OVER w`).join(' AND ');
  await db.run('DROP TABLE IF EXISTS checked_raw; DROP TABLE IF EXISTS checked');
  await db.run(
    `CREATE TEMP TABLE checked_raw AS
    SELECT *, CASE WHEN reason IS NULL THEN 'ok' ELSE 'rejected' END AS status
    FROM (
      SELECT line, raw,
        -- most rows pass the cheap test; a line that could not be split into columns has only that problem
        CASE WHEN ${usable.join(' AND ')} THEN NULL
          ELSE coalesce(structural_error, NULLIF(concat_ws('; ', ${problems.join(', ')}), '')) END AS reason,
        ${typedCols}
      FROM (SELECT *, ${typing} FROM ${relation}))`,
    params,
  );
  // Most files repeat no key: then every usable line is 'ok' and the window below is not needed.
  const repeated = await db.value<boolean>(`SELECT count(*) <> count(DISTINCT ${key}) FROM checked_raw WHERE reason IS NULL`);
  if (!repeated) {
    await db.run('ALTER TABLE checked_raw RENAME TO checked');
    return { inFileOrder: true };
  }
  // The first usable line of each key wins; later lines are exact duplicates or conflicts
  // (one window pass: a self-join on the key is quadratic on files with many keys).
  await db.run(`CREATE TEMP TABLE checked AS
    WITH numbered AS (SELECT rowid AS seq, * FROM checked_raw),
    valid AS (
      SELECT * EXCLUDE (reason, status),
        row_number() OVER w AS nth,
        first_value(line) OVER w AS first_line,
        ${sameAsFirst} AS same_as_first
      FROM numbered WHERE reason IS NULL
      WINDOW w AS (PARTITION BY ${key} ORDER BY seq)
    )
    SELECT * EXCLUDE (seq, nth, first_line, same_as_first),
      CASE WHEN nth > 1 AND NOT same_as_first
        THEN '${spec.key} ' || ${show(key)} || ' already appears at line ' || coalesce(CAST(first_line AS VARCHAR), '?') || ' of this file with different values'
      END AS reason,
      CASE WHEN nth = 1 THEN 'ok' WHEN same_as_first THEN 'duplicate' ELSE 'rejected' END AS status
    FROM valid
    UNION ALL BY NAME
    SELECT * EXCLUDE (seq) FROM numbered WHERE reason IS NOT NULL`);
  await db.run('DROP TABLE checked_raw');
  return { inFileOrder: false };
}
