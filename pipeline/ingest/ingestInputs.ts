import type { Database } from '../db/Database.js';
import { DataError, InputError } from '../errors.js';
import { progress, type Logger } from '../log.js';
import type { FileIngest } from '../manifest.js';
import { INPUT_KINDS, headerColumn, specs, type InputKind, type InputSpec } from '../shared/inputSpecs.js';
import { loadExchangeRates } from './exchangeRates.js';
import { carryRejects, earlierLoad, recordLoad, settingsKey, skippedFile } from './loadedFiles.js';
import { mergeChecked, recordRejects, rejectChangedFixed } from './mergeChecked.js';
import { mergeLines, rejectDisagreeingOrders } from './mergeLines.js';
import { misreadReason, weighRejected, type MisreadLimits } from './misreadFile.js';
import { ORDER_CUSTOMER_COLUMNS, profileCustomersFromOrders, recordOrderCustomers } from './customerProfiles.js';
import { settleOrderFields, settledColumns } from './orderFields.js';
import { orderStatuses, rejectUnknownStatuses, setAsideNonSales, type StatusMeaning } from './orderStatus.js';
import { describeClasses, rejectionClasses } from './rejectionClasses.js';
import { exportSources, isPostgresSource, type ExportedSource } from './postgresSource.js';
import { fileDigest } from './fileDigests.js';
import { formatOf, missingColumnsMessage, readHeader, readablePath, resolveInputs, sha256File } from './resolveInputs.js';
import { checkText, stageFile, type ReadableText, type StagedFile } from './stageFile.js';
import type { TextEncoding } from './textCopy.js';
import { dropStaged, scannedValues, validateStage } from './validateStage.js';

/** How the files of one input kind are written (the configuration's formats.<kind>). */
export interface KindFormat {
  delimiter: string;
  decimal: '.' | ',';
  thousands: string;
  dateFormats: string[];
  encoding: TextEncoding;
  /** Orders: a row per order, or a row per line item (lines sharing an order_id make one order). */
  grain: 'order' | 'line';
  /** Orders as line items: the order's own fields on its first line only (a hosted shop's export). */
  orderFields?: 'first_row';
  /** Orders with order_status: what each status means (over DEFAULT_ORDER_STATUSES: orderStatuses). */
  statuses?: Record<string, StatusMeaning>;
}

/** A file written as the contract's defaults: comma-separated UTF-8, ISO dates, decimal points, a row per order. */
export const PLAIN_FORMAT: KindFormat = { delimiter: ',', decimal: '.', thousands: '', dateFormats: [], encoding: 'utf-8', grain: 'order' };

/** Ingest options for files in the contract's defaults (the demo's, the bench's): every kind plain, no limit on rejects. */
export function plainIngestOptions(runId: string, runTime: Date): IngestOptions {
  return {
    runId, runTime, currency: 'USD', formats: { orders: PLAIN_FORMAT, customers: PLAIN_FORMAT, tickets: PLAIN_FORMAT, referrals: PLAIN_FORMAT },
    columns: { orders: {}, customers: {}, tickets: {}, referrals: {} }, earliestDate: '1990-01-01',
  };
}

export interface IngestOptions {
  runId: string;
  runTime: Date;
  currency: string;
  formats: Record<InputKind, KindFormat>;
  /** Canonical column name -> the name in the files, per kind. */
  columns: Record<InputKind, Record<string, string>>;
  /** CSV of currency,rate converting amounts into `currency`. */
  exchangeRates?: string;
  /** Timestamps before this day are rejected as implausible. */
  earliestDate: string;
  /** A file with a larger share of its lines rejected, at any step, stops the ingest before it is merged (undefined: no limit). */
  maxRejectedShare?: number;
  /** A file with a larger share of its lines rejected for amounts written with other separators stops the ingest (undefined: no limit). */
  maxMisreadAmountShare?: number;
  /** A file whose rejected lines hold a larger share of its value stops the ingest (undefined: no limit). */
  maxRejectedValueShare?: number;
  /** Skip a file whose bytes an earlier load read under the same settings (ingest.skipLoaded; false: read every file again). */
  skipLoaded?: boolean;
  /** The database that inputs named postgres:table=... or postgres:query=... are read from (ingest.postgres.url). */
  postgresUrl?: string;
}

/** The files (paths or globs) of each input kind. */
export type IngestInputs = Partial<Record<InputKind, string[]>>;

interface PlannedFile {
  kind: InputKind;
  /** The file read. */
  path: string;
  /** How it is named (manifest, rejected rows, messages): the path, or a PostgreSQL source without its password. */
  name: string;
  header: string[];
  columnMap: Map<string, string | undefined>;
  format: KindFormat;
}

/** The columns a file must have: the spec's required ones, an orders file amount or quantity and unit_price. */
function missingColumns(kind: InputKind, header: string[], mapping: Record<string, string>): string[] {
  const has = (c: string) => header.includes(headerColumn(specs[kind], c, header, mapping));
  const missing = specs[kind].columns.filter((c) => c.required && c.name !== 'amount' && !has(c.name)).map((c) => mapping[c.name] ?? c.name);
  if (kind === 'orders' && !has('amount') && !(has('quantity') && has('unit_price'))) {
    missing.push(has('quantity') || has('unit_price') ? `${mapping.amount ?? 'amount'}" (or both "${mapping.quantity ?? 'quantity'}" and "${mapping.unit_price ?? 'unit_price'}` : mapping.amount ?? 'amount');
  }
  return missing;
}

/** Every file of the inputs, checked (exists, a header, no repeated column, the required columns) before anything is read. */
async function planFiles(db: Database, inputs: IngestInputs, options: IngestOptions, exported: Map<string, ExportedSource>): Promise<PlannedFile[]> {
  const plan: PlannedFile[] = [];
  for (const kind of INPUT_KINDS) {
    const patterns = inputs[kind] ?? [];
    if (patterns.length === 0) continue;
    const format = options.formats[kind];
    // In the list's order (a key given twice ends as the later gives it); a PostgreSQL source is a CSV
    // file of its rows (comma-separated UTF-8, whatever the kind's file format says).
    const items: { path: string; name: string; csv: boolean }[] = [];
    const seen = new Set<string>();
    for (const pattern of patterns) {
      if (isPostgresSource(pattern)) {
        items.push({ ...exported.get(`${kind}\n${pattern}`)!, csv: true });
        continue;
      }
      for (const file of await resolveInputs(db, [pattern])) {
        if (!seen.has(file)) items.push({ path: file, name: file, csv: false });
        seen.add(file);
      }
    }
    for (const { path, name, csv } of items) {
      const fileFormat = csv ? { ...format, delimiter: ',', encoding: 'utf-8' as const } : format;
      const header = await readHeader(db, path, formatOf(path), fileFormat.delimiter, fileFormat.encoding, kind);
      const mapping = options.columns[kind];
      const missing = missingColumns(kind, header, mapping);
      if (missing.length) throw new InputError(missingColumnsMessage(name, missing, header, fileFormat.delimiter, kind));
      const columnMap = new Map(specs[kind].columns.map((c) => {
        const actual = headerColumn(specs[kind], c.name, header, mapping);
        return [c.name, header.includes(actual) ? actual : undefined] as const;
      }));
      const lineOnly = ['order_total', 'refunded_amount'].filter((c) => columnMap.get(c) !== undefined);
      if (kind === 'orders' && format.grain === 'order' && lineOnly.length) {
        throw new InputError(`${name}: ${lineOnly.join(', ')} ${lineOnly.length > 1 ? 'are' : 'is'} read for line items only (a hosted shop's export): set formats.orders.grain: line, or leave ${lineOnly.length > 1 ? 'them' : 'it'} unmapped`);
      }
      plan.push({ kind, path, name, header, columnMap, format: fileFormat });
    }
  }
  return plan;
}

/**
 * An orders file in one currency that is not the configured one is not a
 * few bad rows but the wrong setting: stopped before anything of it loads.
 */
async function checkSingleCurrency(db: Database, relation: string, path: string, currency: string): Promise<void> {
  // Most files write one currency the same way on every line: then the least and the greatest text are the same, read
  // without trimming or upper-casing every line (a tenth of the time at 10 million lines); else the distinct currencies.
  const bounds = await db.one<{ least: string | null; greatest: string | null }>(`SELECT min(currency) AS least, max(currency) AS greatest FROM ${relation}
    WHERE structural_error IS NULL`);
  const text = bounds?.least ?? null;
  const found = text !== null && text === bounds?.greatest
    ? await db.all<{ currency: string }>(`SELECT upper(trim(currency)) AS currency FROM (SELECT CAST($1 AS VARCHAR) AS currency) WHERE NULLIF(trim(currency), '') IS NOT NULL`, [text])
    : await db.all<{ currency: string }>(`SELECT DISTINCT upper(trim(currency)) AS currency FROM ${relation}
      WHERE structural_error IS NULL AND NULLIF(trim(currency), '') IS NOT NULL LIMIT 2`);
  const only = found.length === 1 ? found[0]!.currency : undefined;
  if (!only || only === currency) return;
  const rated = await db.value<number>('SELECT count(*) FROM fx WHERE currency = $1', [only]);
  if (rated) return;
  throw new InputError(`${path} holds amounts in ${only} only, not ${currency}: run with --currency ${only} (or set currency: ${only} in the config), or give exchange rates (exchangeRates) to convert them into ${currency}`);
}

/**
 * A misread file (misreadFile.ts: too many of its lines rejected at any step,
 * amounts the configuration cannot read, or rejected lines that hold much of
 * its value): its rejects are recorded, nothing of it merged, and the run stops.
 */
async function checkMisread(db: Database, item: PlannedFile, staged: StagedFile, options: IngestOptions): Promise<void> {
  const limits: MisreadLimits = {
    maxRejectedShare: options.maxRejectedShare, maxMisreadAmountShare: options.maxMisreadAmountShare, maxRejectedValueShare: options.maxRejectedValueShare,
  };
  if (Object.values(limits).every((v) => v === undefined) || staged.rowsRead === 0) return;
  const weight = await weighRejected(db, staged.relation, item.kind, staged.rowsRead);
  const why = misreadReason(weight, limits, item.kind, item.format);
  if (!why) return;
  await recordRejects(db, item.kind, item.name, options.runId, staged.pendingLines);
  const classes = describeClasses(await rejectionClasses(db, options.runId, item.name));
  throw new DataError(`${item.kind} file ${item.name}: ${why}: the file was probably misread, and nothing of it was loaded or published. The reasons: ${classes}. Fix the configuration (fidelio inspect --${item.kind} ${item.name} suggests one; fidelio rejected --run ${options.runId} lists the lines) and run again.`);
}

/**
 * The rejections of the merge that need no write (an order whose lines
 * disagree, a referral that conflicts with a stored one), made before the
 * misread check so that it counts every rejected line.
 */
async function rejectBeforeMerge(db: Database, spec: InputSpec, grain: 'order' | 'line'): Promise<void> {
  if (grain === 'line') await rejectDisagreeingOrders(db);
  else await rejectChangedFixed(db, spec);
}

/** The key of the settings that turn this file's bytes into rows. */
function readSettings(item: PlannedFile, options: IngestOptions, session: { timezone: string; exchangeRates?: string }): string {
  return settingsKey({
    kind: item.kind, format: item.format, columns: [...item.columnMap.entries()], currency: options.currency, earliestDate: options.earliestDate,
    ...session,
  });
}

/** Stages, checks and merges one file, or skips it when its bytes were loaded under the same settings; returns its accounting. */
async function ingestFile(db: Database, item: PlannedFile, options: IngestOptions, session: { timezone: string; exchangeRates?: string }, log: Logger): Promise<FileIngest> {
  const started = Date.now();
  const spec = specs[item.kind];
  const readable = readablePath(item.path);
  const format = formatOf(item.path);
  const stageOptions = { kind: item.kind, delimiter: item.format.delimiter, encoding: item.format.encoding, displayPath: item.name };
  // A file whose bytes must be read for its digest (fileDigests.ts) is hashed on a thread of its own while this one
  // checks its text for staging, two passes over it side by side (0.8 s each for the bench's 683 MB orders file,
  // one after the other before): a file then found loaded already has its check dropped.
  let text: Promise<ReadableText> | undefined;
  const checkBeside = () => {
    text = checkText(readable.path, format, item.header, stageOptions);
    // Handed to stageFile or ended below: a failure is seen there, not as an unhandled rejection meanwhile.
    text.catch(() => undefined);
  };
  try {
    // Read only when the file changed since its bytes were last read (fileDigests.ts), or when every file is to be read again.
    const { sha256 } = await fileDigest(db, item.path, options.skipLoaded !== false, undefined, format === 'parquet' ? undefined : checkBeside);
    const settings = readSettings(item, options, session);
    const earlier = options.skipLoaded === false ? undefined : await earlierLoad(db, sha256, settings);
    if (earlier) {
      log.info({ file: item.name, kind: item.kind, loaded_by: earlier.run_id }, `skipped ${item.kind}: the same bytes were loaded under the same settings by run ${earlier.run_id}`);
      await carryRejects(db, earlier, item.kind, item.name, options.runId);
      return skippedFile(item.name, item.kind, sha256, earlier, item.kind === 'orders' ? item.format.grain : undefined);
    }
    const handed: Promise<ReadableText> | undefined = text;
    text = undefined;
    const staged = await stageFile(db, readable.path, format, item.columnMap, item.header, { ...stageOptions, ...(handed ? { text: handed } : {}) });
    if (item.kind === 'orders') await checkSingleCurrency(db, staged.relation, item.name, options.currency);
    const mapped = new Set([...item.columnMap.entries()].filter(([, actual]) => actual !== undefined).map(([c]) => c));
    const grain = item.kind === 'orders' ? item.format.grain : 'order';
    const relation = item.kind === 'orders'
      ? await settleOrderFields(db, staged.relation, mapped, grain === 'line' && item.format.orderFields === 'first_row')
      : staged.relation;
    const checked = await validateStage(db, spec, {
      runTime: options.runTime, currency: options.currency, earliestDate: options.earliestDate, grain,
      mapped: item.kind === 'orders' ? settledColumns(mapped) : mapped,
      format: { decimal: item.format.decimal, thousands: item.format.thousands, dateFormats: item.format.dateFormats },
      ...scannedValues(staged),
    }, relation);
    const statuses = item.kind === 'orders' && mapped.has('order_status') ? orderStatuses(item.format.statuses) : undefined;
    if (statuses) await rejectUnknownStatuses(db, statuses);
    await rejectBeforeMerge(db, spec, grain);
    await checkMisread(db, item, staged, options);
    const result = await db.transaction(async () => {
      const leftOut = statuses ? await setAsideNonSales(db, statuses, item.name, options.runId) : undefined;
      const merging = await (grain === 'line'
        ? mergeLines(db, item.name, options.runId, staged.pendingLines, true)
        : mergeChecked(db, spec, item.name, options.runId, checked.inFileOrder, staged.pendingLines, true));
      if (item.kind === 'orders' && ORDER_CUSTOMER_COLUMNS.some((c) => mapped.has(c))) await recordOrderCustomers(db);
      // The lines of orders that never became sales were read and understood: accepted, and counted apart.
      const counts = leftOut ? { ...merging, rows_accepted: merging.rows_accepted + leftOut.lines, orders_left_out: leftOut.orders } : merging;
      const merged: FileIngest = {
        path: item.name,
        kind: item.kind,
        sha256,
        rows_read: staged.rowsRead,
        ...(staged.physicalLines !== undefined ? { physical_lines: staged.physicalLines } : {}),
        ...counts,
        exact_lines: staged.exactLines,
        ...(item.kind === 'orders' ? { grain } : {}),
      };
      if (merged.rows_read !== merged.rows_accepted + merged.rows_rejected + merged.rows_duplicate) {
        throw new Error(`ingest accounting is off for ${item.name}: ${JSON.stringify(merged)}`);
      }
      await recordLoad(db, merged, settings, options.runId, options.runTime);
      return merged;
    });
    if (!staged.exactLines) log.warn({ file: item.name }, 'records could not be matched to lines: rejected rows carry a rebuilt text and no line number');
    log.info({ ...result, seconds: (Date.now() - started) / 1000 }, `ingested ${item.kind}`);
    return result;
  } finally {
    // A check not handed to stageFile (the file skipped, or its digest failed) ends before its copy, if any, is removed.
    const left: Promise<ReadableText> | undefined = text;
    if (left) await left.then((t) => t.cleanup(), () => undefined);
    readable.cleanup();
  }
}

/**
 * Loads every input file into its table: each file is staged through
 * DuckDB's readers (one row per physical line), typed and checked in SQL
 * with its kind's formats, and merged by key in one transaction (line-item
 * files into order_lines and their orders). Rows that cannot be used go to
 * `rejected_rows` with file, line, raw text, reason and reason class; exact
 * repeats count as duplicates; a changed row for a known key replaces the
 * stored one. Files are checked (exist, header, required columns) before
 * anything is written; a file whose bytes were loaded before under the
 * same settings is not read again (loadedFiles.ts: its manifest entry
 * names the run that loaded it); a file misread (more than maxRejectedShare of it
 * rejected at any step, or its rejected lines weighing too much: misreadFile.ts)
 * or in a single other currency stops the ingest before it loads.
 */
export async function ingestInputs(db: Database, inputs: IngestInputs, options: IngestOptions, log: Logger): Promise<FileIngest[]> {
  // Every PostgreSQL source is read in one read-only snapshot (orders and customers agree), before any file is touched.
  const entries = INPUT_KINDS.flatMap((kind) => (inputs[kind] ?? []).filter(isPostgresSource).map((entry) => ({ kind, entry })));
  const exported = await exportSources(options.postgresUrl, entries.map((e) => e.entry));
  try {
    const byEntry = new Map(entries.map((e, i) => [`${e.kind}\n${e.entry}`, exported.files[i]!]));
    for (const [i, e] of entries.entries()) log.info({ kind: e.kind, source: exported.files[i]!.name }, `read ${e.kind} from PostgreSQL`);
    return await ingestPlanned(db, await planFiles(db, inputs, options, byEntry), options, log);
  } finally {
    exported.cleanup();
  }
}

async function ingestPlanned(db: Database, plan: PlannedFile[], options: IngestOptions, log: Logger): Promise<FileIngest[]> {
  await loadExchangeRates(db, options.exchangeRates, options.currency);
  const session = {
    timezone: (await db.value<string>(`SELECT current_setting('TimeZone')`))!,
    ...(options.exchangeRates ? { exchangeRates: await sha256File(options.exchangeRates) } : {}),
  };
  const results: FileIngest[] = [];
  const bar = progress('ingest: files', plan.length);
  try {
    for (const item of plan) {
      bar.tick(results.length);
      results.push(await ingestFile(db, item, options, session, log));
    }
    // Customers no customers file gives take their profile from their orders (when the orders carry one).
    const fromOrders = plan.some((p) => p.kind === 'orders' && ORDER_CUSTOMER_COLUMNS.some((c) => p.columnMap.get(c) !== undefined))
      || (await db.value<number>('SELECT count(*) FROM customers WHERE from_orders'))! > 0;
    if (fromOrders) log.info({ customers: await profileCustomersFromOrders(db) }, 'customer profiles from the orders');
  } finally {
    bar.end();
    await dropStaged(db);
  }
  return results;
}
