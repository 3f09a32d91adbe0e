import { ident, literal, type Database } from '../db/Database.js';
import { BOOLEAN_WORDS, CANDIDATE_DATE_FORMATS, type ValueFormat } from '../shared/inputFormats.js';
import type { ColumnSpec, InputSpec } from '../shared/inputSpecs.js';
import type { StagedFile } from './stageFile.js';

export interface ValidationContext {
  /** The moment of the run: a timestamp after it is a clock or export error. */
  runTime: Date;
  /** The currency amounts are kept in; other currencies need a rate in `fx`. */
  currency: string;
  format: ValueFormat;
  /** Timestamps before this day are implausible. */
  earliestDate: string;
  /** Line items: no key check (an order has many lines), and a line repeated in its order is an item, not a duplicate. */
  grain: 'order' | 'line';
  /**
   * The canonical columns the staged relation provides (the file's, and what settleOrderFields derives from them; the
   * others are NULL on every line); an order's amount is quantity x unit_price when amount is not among them.
   */
  mapped: ReadonlySet<string>;
  /**
   * 'present' (the default): `checked` holds the columns the file provides (and an order's amount), and the view
   * `checked_full` adds the others as NULLs of their types; 'all': `checked` holds every column of the spec.
   */
  columns?: 'present' | 'all';
  /**
   * The staged values hold no character an identifier may not hold (StagedFile.controlFree: the file's bytes were
   * scanned for them): the identifiers' control-character check is left out, as it would reject no line.
   */
  controlFree?: boolean;
  /**
   * No staged value begins or ends with a space separator (StagedFile.trimmed: the file's bytes were scanned for
   * them): values are read as they are, not trimmed, as trimming would change none.
   */
  trimmed?: boolean;
}

/** What the text check found of a staged file's values (StagedFile: no control character, no space at an edge), as validation takes it. */
export const scannedValues = (staged: Pick<StagedFile, 'controlFree' | 'trimmed'>): Pick<ValidationContext, 'controlFree' | 'trimmed'> => ({
  ...(staged.controlFree ? { controlFree: true } : {}),
  ...(staged.trimmed ? { trimmed: true } : {}),
});

/** A staged column's value without the spaces around it: trimmed, unless it has none (ValidationContext.trimmed). */
const bare = (col: string, ctx: Pick<ValidationContext, 'trimmed'>) => (ctx.trimmed ? col : `trim(${col})`);

/** SQL showing a value in a reason: quoted, its first 60 characters. */
export const show = (col: string) => `'''' || left(${col}, 60) || ''''`;

/** Where the formats that would read an unreadable date go in its reason (see dateHints). */
const hintMarker = (column: string) => `{${column}:formats}`;

/**
 * Adds to each unreadable date's reason the candidate formats that read it
 * ("it reads as %m/%d/%Y: set formats.orders.dateFormat"). Trying twenty
 * formats on every rejected value costs seconds on a misread file, so they
 * are tried on one value per shape (digits as 9, and whether its first two
 * numbers exceed 12, which decides month against day) and the hint joined
 * back by shape.
 */
async function dateHints(db: Database, spec: InputSpec): Promise<void> {
  for (const c of spec.columns.filter((col) => col.type === 'timestamp' || col.type === 'date')) {
    const marker = hintMarker(c.name);
    const value = `regexp_extract(reason, ${literal(`${c.name} '([^']*)' is not an ISO 8601`)}, 1)`;
    const shape = (v: string) => `regexp_replace(${v}, '[0-9]', '9', 'g') || '|' || coalesce(TRY_CAST(regexp_extract(${v}, '^[^0-9]*([0-9]+)', 1) AS INTEGER) > 12, false)
      || '|' || coalesce(TRY_CAST(regexp_extract(${v}, '^[^0-9]*[0-9]+[^0-9]+([0-9]+)', 1) AS INTEGER) > 12, false)`;
    const readers = `concat_ws(' or ', ${CANDIDATE_DATE_FORMATS.map((f) => `CASE WHEN try_strptime(sample, ${literal(f)}) IS NOT NULL THEN ${literal(f)} END`).join(', ')})`;
    await db.run(`CREATE OR REPLACE TEMP TABLE date_hints AS
      SELECT shape, coalesce(' (it reads as ' || NULLIF(${readers}, '') || ': set formats.${spec.kind}.dateFormat)', '') AS hint FROM (
        SELECT ${shape('v')} AS shape, any_value(v) AS sample
        FROM (SELECT ${value} AS v FROM checked_raw WHERE contains(reason, ${literal(marker)})) GROUP BY 1)`);
    await db.run(`UPDATE checked_raw SET reason = replace(reason, ${literal(marker)}, coalesce(h.hint, ''))
      FROM date_hints h WHERE contains(checked_raw.reason, ${literal(marker)}) AND h.shape = ${shape(value.replaceAll('reason', 'checked_raw.reason'))};
      DROP TABLE date_hints`);
  }
}

/** A problem a value can have: the condition, the reason (with the value) and its class (without). */
interface Check {
  when: string;
  reason: string;
  reasonClass: string;
}

/** The text of a decimal written with the file's separators (a currency sign around it is dropped), as DuckDB reads numbers. */
function normalizedNumber(v: string, f: ValueFormat): string {
  let out = `regexp_replace(${v}, '^[$€£¥]\\s*|\\s*[$€£¥]$', '')`;
  if (f.thousands) out = `replace(${out}, ${literal(f.thousands)}, '')`;
  if (f.decimal !== '.') out = `replace(${out}, ${literal(f.decimal)}, '.')`;
  return out;
}

/** The SQL expression that turns a staged text column into its type (NULL when it cannot). */
function typedExpr(c: ColumnSpec, ctx: ValidationContext): string {
  const v = bare(ident(c.name), ctx);
  const formats = ctx.format.dateFormats.length ? `[${ctx.format.dateFormats.map(literal).join(', ')}]` : undefined;
  switch (c.type) {
    case 'text':
      return `NULLIF(${v}, '')`;
    case 'timestamp':
      return formats ? `coalesce(TRY_CAST(NULLIF(${v}, '') AS TIMESTAMPTZ), CAST(try_strptime(${v}, ${formats}) AS TIMESTAMPTZ))` : `TRY_CAST(NULLIF(${v}, '') AS TIMESTAMPTZ)`;
    case 'date':
      return formats ? `coalesce(TRY_CAST(NULLIF(${v}, '') AS DATE), CAST(try_strptime(${v}, ${formats}) AS DATE))` : `TRY_CAST(NULLIF(${v}, '') AS DATE)`;
    case 'decimal': {
      const type = sqlType(c);
      // DuckDB reads 1_000 as 1000: an underscore is not a number in an export.
      const plain = ctx.format.decimal === '.' && !ctx.format.thousands;
      const text = plain ? `NULLIF(${v}, '')` : normalizedNumber(`NULLIF(${v}, '')`, ctx.format);
      const typed = `CASE WHEN NOT contains(${v}, '_') THEN TRY_CAST(${text} AS ${type}) END`;
      return plain ? `coalesce(${typed}, CASE WHEN NOT contains(${v}, '_') THEN TRY_CAST(${normalizedNumber(`NULLIF(${v}, '')`, ctx.format)} AS ${type}) END)` : typed;
    }
    case 'boolean':
      // One CASE over the lowered text, not IN lists: DuckDB makes a list of five or more a MARK join of every row
      // against the list, which took twice the time (the same values).
      return `CASE lower(${v}) ${BOOLEAN_WORDS.map(([word, value]) => `WHEN ${literal(word)} THEN ${value}`).join(' ')} END`;
  }
}

/** The column holding a staged column's typed value (computed once, in a subquery). */
const typedRef = (c: ColumnSpec) => ident(`${c.name}__typed`);

/** The SQL type a column is checked into. */
function sqlType(c: ColumnSpec): string {
  switch (c.type) {
    case 'text':
      return 'VARCHAR';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'date':
      return 'DATE';
    case 'decimal':
      return `DECIMAL(18, ${c.scale ?? 2})`;
    case 'boolean':
      return 'BOOLEAN';
  }
}

/** The view of `checked` with every column of the spec: those it does not hold (the file does not provide them) as NULLs. */
export const CHECKED_FULL = 'checked_full';

/** Drops what staging and checking a file leave: the staged rows (stageFile), the checked lines and their view. */
export const dropStaged = (db: Database) =>
  db.run(`DROP VIEW IF EXISTS ${CHECKED_FULL}; DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS stage_records; DROP TABLE IF EXISTS checked; DROP TABLE IF EXISTS stage_lines`);

/**
 * The name of the view of `checked` with every column of the spec (CHECKED_FULL, which validateStage makes); a
 * `checked` made otherwise, holding every column, is read as it is.
 */
export async function checkedFull(db: Database): Promise<string> {
  await db.run(`CREATE TEMP VIEW IF NOT EXISTS ${CHECKED_FULL} AS SELECT * FROM checked`);
  return CHECKED_FULL;
}

/** An order's amount: the file's, or for line items without one, quantity x unit_price to the cent. */
function amountExpr(spec: InputSpec, ctx: ValidationContext): string | undefined {
  if (spec.kind !== 'orders' || ctx.mapped.has('amount')) return undefined;
  const q = typedRef(spec.columns.find((c) => c.name === 'quantity')!);
  const p = typedRef(spec.columns.find((c) => c.name === 'unit_price')!);
  return `CAST(round(${q} * ${p}, 2) AS DECIMAL(18, 2))`;
}

/** The columns that must hold a value: the spec's required ones, with quantity and unit_price for amount when the file has no amount. */
function requiredColumns(spec: InputSpec, ctx: ValidationContext): Set<string> {
  const required = new Set(spec.columns.filter((c) => c.required).map((c) => c.name));
  if (amountExpr(spec, ctx)) {
    required.delete('amount');
    required.add('quantity');
    required.add('unit_price');
  }
  return required;
}

/** Characters an identifier may not hold: C0 and C1 controls, bidirectional embeddings, overrides and isolates. */
const ID_CONTROL = "'[\\x00-\\x1f\\x7f-\\x9f\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]'";

/** Whether a column's values are checked for control characters: an identifier's, unless none can hold one. */
const controlChecked = (c: ColumnSpec, ctx: ValidationContext): boolean => c.id === true && ctx.controlFree !== true;

/** True when a staged column's value is usable (the cheap test that spares most rows the reasons). */
function columnUsable(c: ColumnSpec, required: boolean, ctx: ValidationContext): string | undefined {
  const raw = ident(c.name);
  const typed = typedRef(c);
  const idClean = controlChecked(c, ctx) ? ` AND NOT regexp_matches(${raw}, ${ID_CONTROL})` : '';
  if (required) return `(${typed} IS NOT NULL${idClean})`;
  if (c.type === 'text') return controlChecked(c, ctx) ? `(${raw} IS NULL OR NOT regexp_matches(${raw}, ${ID_CONTROL}))` : undefined;
  return `(${typed} IS NOT NULL OR ${raw} IS NULL OR ${bare(raw, ctx)} = '')`;
}

/** The problems a staged column's value can have. */
function columnChecks(c: ColumnSpec, required: boolean, kind: string, ctx: ValidationContext): Check[] {
  const raw = ident(c.name);
  const blank = `(${raw} IS NULL OR ${bare(raw, ctx)} = '')`;
  const unparsed = `(NOT ${blank} AND ${typedRef(c)} IS NULL)`;
  const name = c.name;
  const checks: Check[] = [];
  if (required) checks.push({ when: blank, reason: `'missing ${name}'`, reasonClass: `missing_${name}` });
  if (controlChecked(c, ctx)) {
    checks.push({
      // C0 and C1 controls, and the bidirectional overrides that make an id display as another.
      when: `regexp_matches(${raw}, ${ID_CONTROL})`,
      reason: `'${name} ' || ${show(`regexp_replace(${raw}, ${ID_CONTROL}, '?', 'g')`)} || ' holds control characters (shown as ?)'`,
      reasonClass: `${name}_control_characters`,
    });
  }
  switch (c.type) {
    case 'timestamp':
    case 'date': {
      const configured = ctx.format.dateFormats.length ? ` nor ${ctx.format.dateFormats.join(' or ')}` : '';
      // The formats that would read the value are added after (dateHints), once per shape of value.
      checks.push({
        when: unparsed,
        reason: `'${name} ' || ${show(raw)} || ' is not an ISO 8601 ${c.type === 'date' ? 'date' : 'date or timestamp'}${configured}${hintMarker(name)}'`,
        reasonClass: `${name}_not_a_date`,
      });
      break;
    }
    case 'decimal': {
      const text = normalizedNumber(bare(raw, ctx), ctx.format);
      if (ctx.format.decimal === '.') {
        checks.push({
          when: `${unparsed} AND regexp_matches(${bare(raw, ctx)}, '^-?[0-9]+,[0-9]+$')`,
          reason: `'${name} ' || ${show(raw)} || ' uses a decimal comma; expected a decimal point (set formats.${kind}.decimal: ",")'`,
          reasonClass: `${name}_decimal_comma`,
        });
      }
      checks.push({
        when: `${unparsed} AND NOT contains(${raw}, '_') AND isfinite(TRY_CAST(${text} AS DOUBLE))`,
        reason: `'${name} ' || ${show(raw)} || ' is out of range (at most 16 digits before the decimal point)'`,
        reasonClass: `${name}_out_of_range`,
      });
      checks.push({ when: unparsed, reason: `'${name} ' || ${show(raw)} || ' is not a number'`, reasonClass: `${name}_not_a_number` });
      break;
    }
    case 'boolean':
      checks.push({ when: unparsed, reason: `'${name} ' || ${show(raw)} || ' is not a boolean (true/false, 1/0, yes/no)'`, reasonClass: `${name}_not_a_boolean` });
      break;
    case 'text':
      break;
  }
  return checks;
}

/** A column's checks as one CASE per output, the first that applies (a value has one problem; a line may have several). */
function firstOf(checks: Check[], field: 'reason' | 'reasonClass'): string {
  if (!checks.length) return 'NULL';
  return `CASE ${checks.map((k) => `WHEN ${k.when} THEN ${field === 'reason' ? k.reason : literal(k.reasonClass)}`).join(' ')} END`;
}

/** The checks of the file's timestamp against the plausible range and the run's clock. */
function timestampChecks(spec: InputSpec): { usable: string[]; checks: Check[][] } {
  if (!spec.timestamp) return { usable: [], checks: [] };
  const ts = spec.timestamp.column;
  const typed = typedRef(spec.columns.find((c) => c.name === ts)!);
  return {
    usable: [`coalesce(${typed} <= CAST($run_time AS TIMESTAMPTZ) AND ${typed} >= CAST($earliest AS TIMESTAMPTZ), true)`],
    checks: [[
      {
        when: `${typed} > CAST($run_time AS TIMESTAMPTZ)`,
        reason: `'${ts} ' || ${show(ident(ts))} || ' is after the time of the run (' || $run_time || '); a clock or export error?'`,
        reasonClass: `${ts}_after_run_time`,
      },
      {
        when: `${typed} < CAST($earliest AS TIMESTAMPTZ)`,
        reason: `'${ts} ' || ${show(ident(ts))} || ' is before ' || $earliest || ', too early to be true (ingest.earliestDate)'`,
        reasonClass: `${ts}_implausible_date`,
      },
    ]],
  };
}

/** Orders in another currency than the configured one need a rate in `fx`. */
async function currencyCheck(db: Database, spec: InputSpec, ctx: ValidationContext): Promise<{ usable: string[]; checks: Check[][] }> {
  if (spec.kind !== 'orders') return { usable: [], checks: [] };
  const currency = bare('currency', ctx);
  // The rates are few: inlined as a list (a subquery would be a join over every row).
  const rates = await db.all<{ currency: string }>('SELECT currency FROM fx ORDER BY currency');
  const known = rates.length ? ` AND upper(${currency}) NOT IN (${rates.map((r) => literal(r.currency)).join(', ')})` : '';
  const foreign = `upper(NULLIF(${currency}, '')) <> $currency${known}`;
  return {
    usable: [`NOT coalesce(${foreign}, false)`],
    checks: [[{
      when: foreign,
      reason: `'currency ' || ${show(currency)} || ' is not ' || $currency || ' and no exchange rate was given for it (config exchangeRates)'`,
      reasonClass: 'currency_without_rate',
    }]],
  };
}

/** A referral names two customers: a customer who refers themself is rejected. */
function selfReferralCheck(spec: InputSpec, ctx: ValidationContext): { usable: string[]; checks: Check[][] } {
  if (spec.kind !== 'referrals') return { usable: [], checks: [] };
  const same = `${bare('referrer_id', ctx)} = ${bare('referred_id', ctx)}`;
  return {
    usable: [`NOT coalesce(${same}, false)`],
    checks: [[{ when: same, reason: `'referrer_id ' || ${show(bare('referrer_id', ctx))} || ' refers themself (referred_id is the same customer)'`, reasonClass: 'self_referral' }]],
  };
}

/**
 * Types and checks the staged rows into temp table `checked`: typed
 * columns, `reason` (every problem of the line, joined; NULL when the row is
 * usable), `reason_class` (the problems' classes, without the values, for
 * grouping) and `status`: 'ok', 'rejected' or 'duplicate' (an exact repeat
 * of an earlier line of the same file). In an orders file a repeated key
 * with other values is rejected, naming the first line; in a line-items
 * file lines share their order's key, and every line is an item (a repeated
 * line too: no line of a line-items file is a duplicate here).
 */
export async function validateStage(db: Database, spec: InputSpec, ctx: ValidationContext, relation = 'stage'): Promise<{ inFileOrder: boolean }> {
  const required = requiredColumns(spec, ctx);
  const amount = amountExpr(spec, ctx);
  // A column the file does not provide is NULL on every line: nothing to type or check (a required one is always provided),
  // and with columns: 'present' not stored either (ten million lines of a dozen NULL columns are seconds of a temp table).
  const provided = (c: ColumnSpec) => ctx.columns === 'all' || ctx.mapped.has(c.name) || required.has(c.name) || (c.name === 'amount' && amount !== undefined);
  const held = spec.columns.filter(provided);
  // An order's amount from quantity x unit_price is theirs: they are typed and checked, it is computed from them.
  const typed = held.filter((c) => !(c.name === 'amount' && amount !== undefined));
  const perColumn = typed.map((c) => columnChecks(c, required.has(c.name), spec.kind, ctx));
  const stamp = timestampChecks(spec);
  const money = await currencyCheck(db, spec, ctx);
  const self = selfReferralCheck(spec, ctx);
  const checks = [...perColumn, ...stamp.checks, ...money.checks, ...self.checks];
  const usable = [
    'structural_error IS NULL',
    ...typed.map((c) => columnUsable(c, required.has(c.name), ctx)).filter((u) => u !== undefined),
    ...stamp.usable, ...money.usable, ...self.usable,
  ];
  // Bind only the parameters this kind's checks use: DuckDB rejects unused ones.
  const params: Record<string, string> = {};
  if (spec.timestamp) {
    params.run_time = ctx.runTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
    params.earliest = ctx.earliestDate;
  }
  if (spec.kind === 'orders') params.currency = ctx.currency;
  const typedCols = held.map((c) => `${c.name === 'amount' && amount ? amount : typedRef(c)} AS ${ident(c.name)}`).join(',\n      ');
  const typing = typed.map((c) => `${typedExpr(c, ctx)} AS ${typedRef(c)}`).join(',\n        ');
  await db.run(`DROP VIEW IF EXISTS ${CHECKED_FULL}; DROP TABLE IF EXISTS checked_raw; DROP TABLE IF EXISTS checked`);
  await db.run(
    `CREATE TEMP TABLE checked_raw AS
    SELECT *, CASE WHEN reason IS NULL THEN 'ok' ELSE 'rejected' END AS status
    FROM (
      SELECT line, raw,
        -- most rows pass the cheap test; a line that could not be split into columns has only that problem
        CASE WHEN ${usable.join(' AND ')} THEN NULL
          ELSE coalesce(structural_error, NULLIF(concat_ws('; ', ${checks.map((k) => firstOf(k, 'reason')).join(', ')}), '')) END AS reason,
        CASE WHEN ${usable.join(' AND ')} THEN NULL
          ELSE coalesce(structural_class, NULLIF(concat_ws(';', ${checks.map((k) => firstOf(k, 'reasonClass')).join(', ')}), '')) END AS reason_class,
        ${typedCols}
      FROM (SELECT *, ${typing} FROM ${relation}))`,
    params,
  );
  await dateHints(db, spec);
  const marked = await (ctx.grain === 'line' ? markRepeatedLines(db) : markRepeatedKeys(db, spec, held));
  const absent = spec.columns.filter((c) => !held.includes(c));
  await db.run(`CREATE TEMP VIEW ${CHECKED_FULL} AS SELECT *${absent.map((c) => `, CAST(NULL AS ${sqlType(c)}) AS ${ident(c.name)}`).join('')} FROM checked`);
  return marked;
}

/** Orders: the first usable line of each key wins; later lines are exact duplicates or conflicts, named with the first line. */
async function markRepeatedKeys(db: Database, spec: InputSpec, held: readonly ColumnSpec[]): Promise<{ inFileOrder: boolean }> {
  const key = ident(spec.key);
  // Most files repeat no key: then every usable line is 'ok' and the window below is not needed. Counted by the keys'
  // hashes (a hash table of numbers, not of the keys' texts: 1.4 s against 3.1 s for ten million lines): equal keys have
  // equal hashes, so distinct hashes as many as the lines prove the keys distinct; two keys of one hash (or a line
  // without a key) send the file to the window, which decides every line as before.
  const repeated = await db.value<boolean>(`SELECT count(*) <> count(DISTINCT hash(${key})) OR count(*) <> count(${key}) FROM checked_raw WHERE reason IS NULL`);
  if (!repeated) {
    await db.run('ALTER TABLE checked_raw RENAME TO checked');
    return { inFileOrder: true };
  }
  // The columns `checked` holds (one it does not is NULL on every line: the same on every repeat).
  const names = held.map((c) => ident(c.name));
  const sameAsFirst = names.map((n) => `${n} IS NOT DISTINCT FROM first_value(${n}) OVER w`).join(' AND ');
  // One window pass: a self-join on the key is quadratic on files with many keys.
  await db.run(`CREATE TEMP TABLE checked AS
    WITH numbered AS (SELECT rowid AS seq, * FROM checked_raw),
    valid AS (
      SELECT * EXCLUDE (reason, reason_class, status),
        row_number() OVER w AS nth,
        first_value(line) OVER w AS first_line,
        ${sameAsFirst} AS same_as_first
      FROM numbered WHERE reason IS NULL
      WINDOW w AS (PARTITION BY ${key} ORDER BY seq)
    )
    SELECT * EXCLUDE (seq, nth, first_line, same_as_first),
      CASE WHEN nth > 1 AND NOT same_as_first
        THEN '${spec.key} ' || ${show(key)} || ' already appears at line ' || coalesce(CAST(first_line AS VARCHAR), '?') || ' of this file with different values'
          || ${spec.kind === 'orders' ? `' (several lines per order? they are line items: set formats.orders.grain: line)'` : `''`}
      END AS reason,
      CASE WHEN nth > 1 AND NOT same_as_first THEN '${spec.key}_repeated_with_other_values' END AS reason_class,
      CASE WHEN nth = 1 THEN 'ok' WHEN same_as_first THEN 'duplicate' ELSE 'rejected' END AS status
    FROM valid
    UNION ALL BY NAME
    SELECT * EXCLUDE (seq) FROM numbered WHERE reason IS NOT NULL`);
  await db.run('DROP TABLE checked_raw');
  return { inFileOrder: false };
}

/**
 * Line items: every usable line is an item of its order, a line repeating
 * another of its order too (the same product scanned twice is two sales);
 * a file sent again is matched order by order at the merge (mergeLines).
 */
async function markRepeatedLines(db: Database): Promise<{ inFileOrder: boolean }> {
  await db.run('ALTER TABLE checked_raw RENAME TO checked');
  return { inFileOrder: true };
}
