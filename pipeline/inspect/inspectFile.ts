import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { ident, literal, type Database } from '../db/Database.js';
import { InputError } from '../errors.js';
import { BOOLEAN_WORDS, CANDIDATE_DATE_FORMATS } from '../shared/inputFormats.js';
import { formatOf, readHeader, readablePath, splitCsvHeader, type InputFormat } from '../ingest/resolveInputs.js';
import { readableText, type TextEncoding } from '../ingest/textCopy.js';
import { specs, type InputKind } from '../shared/inputSpecs.js';
import { candidatesFor } from './columnNames.js';
import { detectOrderFields, inspectStatuses, proposeOrderTotal, REFUND_EVIDENCE, type StatusFinding } from './orderShape.js';
import type { Finding } from './finding.js';
import { detectTimeZone } from './timeZone.js';

export type { Finding } from './finding.js';

/** What `fidelio inspect` found in one file. */
export interface FileInspection {
  kind: InputKind;
  path: string;
  format: InputFormat;
  lines: number;
  encoding?: Finding<TextEncoding>;
  delimiter?: Finding<string>;
  decimal?: Finding<'.' | ','>;
  thousands?: Finding<string>;
  dateFormat?: Finding<string>;
  grain?: Finding<'order' | 'line'>;
  /** Line items whose orders' own fields are on each order's first line only (a hosted shop's export). */
  orderFields?: Finding<'first_row'>;
  /** The values of the order status column and what each is taken to mean. */
  statuses?: StatusFinding[];
  currency?: Finding<string>;
  /** The time zone the order times are written in, from the UTC offsets they carry (timeZone.ts). */
  timezone?: Finding<string>;
  /** Canonical column -> the file's column. */
  columns: Record<string, Finding<string>>;
  /** What inspect could not decide and left at its default, in words. */
  undecided: string[];
  /** What stops the configuration from being written (a setting the data cannot decide and without which the file is misread). */
  refusals: string[];
}

const DELIMITERS = [',', ';', '\t', '|'];
const SAMPLE_ROWS = 50_000;
const count = (n: number) => n.toLocaleString('en-US');
const shown = (d: string) => (d === '\t' ? 'tab' : `"${d}"`);

function head(path: string, max = 1 << 20): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(max);
    return buf.subarray(0, readSync(fd, buf, 0, max, 0));
  } finally {
    closeSync(fd);
  }
}

/** The text encoding: a byte-order mark, else UTF-8 when the head is valid UTF-8, else Latin-1 (with the first byte that is not UTF-8 as evidence). */
function detectEncoding(bytes: Buffer): Finding<TextEncoding> {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return { value: 'utf-16', evidence: 'the file starts with a UTF-16 byte-order mark' };
  const complete = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
  if (isUtf8(complete.length ? complete : bytes)) return { value: 'utf-8', evidence: 'its first lines are valid UTF-8' };
  const text = complete.toString('latin1');
  const lines = text.split('\n');
  const at = lines.findIndex((l) => !isUtf8(Buffer.from(l, 'latin1')));
  const word = (lines[at] ?? '').split(/[,;\t|]/).find((w) => !isUtf8(Buffer.from(w, 'latin1'))) ?? '';
  return { value: 'latin-1', evidence: `line ${at + 1} is not UTF-8; read as Latin-1 it says "${word.slice(0, 40)}"` };
}

/** The delimiter that splits the first lines into the same number of fields (two at least), the most fields on a tie. */
function detectDelimiter(text: string): Finding<string> | undefined {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 50);
  let best: { d: string; fields: number; agree: number } | undefined;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => splitCsvHeader(l, d).length);
    const fields = counts[0] ?? 0;
    if (fields < 2) continue;
    const agree = counts.filter((n) => n === fields).length;
    if (!best || agree > best.agree || (agree === best.agree && fields > best.fields)) best = { d, fields, agree };
  }
  if (!best) return undefined;
  return { value: best.d, evidence: `${best.agree === lines.length ? 'every one' : `${best.agree}`} of the first ${lines.length} lines splits into ${best.fields} ${shown(best.d)}-separated fields` };
}

/** The file's rows as text in temp table `inspect_rows`, and a seeded sample of them in `inspect_sample`. */
async function loadRows(db: Database, path: string, format: InputFormat, header: string[], delimiter: string, encoding: TextEncoding): Promise<number> {
  await db.run('DROP TABLE IF EXISTS inspect_rows; DROP TABLE IF EXISTS inspect_sample');
  const readable = readablePath(path);
  try {
    if (format === 'parquet') {
      await db.run(`CREATE TEMP TABLE inspect_rows AS SELECT COLUMNS(*)::VARCHAR FROM read_parquet(${literal(readable.path)})`);
    } else if (format === 'jsonl') {
      await db.run(`CREATE TEMP TABLE inspect_rows AS SELECT COLUMNS(*)::VARCHAR FROM read_json(${literal(readable.path)}, format = 'newline_delimited', ignore_errors = true)`);
    } else {
      const text = await readableText(readable.path, { kind: 'orders', encoding, checkQuotes: true, delimiter, fields: header.length });
      try {
        const columns = `{${header.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}}`;
        await db.run(`CREATE TEMP TABLE inspect_rows AS SELECT * FROM read_csv(${literal(text.path)}, header = true, delim = ${literal(delimiter)},
          columns = ${columns}, quote = '"', escape = '"', ignore_errors = true, auto_detect = false, null_padding = true)`);
      } finally {
        text.cleanup();
      }
    }
  } finally {
    readable.cleanup();
  }
  await db.run(`CREATE TEMP TABLE inspect_sample AS SELECT * FROM inspect_rows USING SAMPLE reservoir(${SAMPLE_ROWS} ROWS) REPEATABLE (42)`);
  return db.value<number>('SELECT count(*) FROM inspect_rows');
}

/** The share of a column's non-empty sample values for which `test` (a SQL condition over v) holds, and how many there are. */
async function share(db: Database, column: string, test: string): Promise<{ share: number; values: number }> {
  const r = await db.one<{ n: number; ok: number }>(`SELECT count(*) AS n, count(*) FILTER (WHERE ${test}) AS ok
    FROM (SELECT trim(${ident(column)}) AS v FROM inspect_sample) WHERE v IS NOT NULL AND v <> ''`);
  return { share: r!.n ? r!.ok / r!.n : 0, values: r!.n };
}

const ISO_TIMESTAMP = `TRY_CAST(v AS TIMESTAMPTZ) IS NOT NULL`;
/** A value without the currency sign before or after it, as `run` drops it (validateStage). */
const UNSIGNED = `regexp_replace(v, '^[$€£¥]\\s*|\\s*[$€£¥]$', '')`;
const NUMBER_PATTERNS = {
  point: `regexp_full_match(${UNSIGNED}, '[-+]?[0-9]+(\\.[0-9]+)?')`,
  comma: `regexp_full_match(${UNSIGNED}, '[-+]?[0-9]+,[0-9]{1,2}')`,
  pointThousands: `regexp_full_match(${UNSIGNED}, '[-+]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]+)?')`,
  commaThousands: `regexp_full_match(${UNSIGNED}, '[-+]?[0-9]{1,3}(\\.[0-9]{3})+(,[0-9]+)?')`,
  spaceThousands: `regexp_full_match(${UNSIGNED}, '[-+]?[0-9]{1,3}( [0-9]{3})+(,[0-9]+)?')`,
  apostropheThousands: `regexp_full_match(${UNSIGNED}, '[-+]?[0-9]{1,3}(''[0-9]{3})+(\\.[0-9]+)?')`,
};

/** The separators a configuration may give (formats.<kind>.decimal and .thousands). */
const SEPARATORS: { decimal: '.' | ','; thousands: string }[] = [
  { decimal: '.', thousands: '' }, { decimal: '.', thousands: ',' }, { decimal: '.', thousands: ' ' }, { decimal: '.', thousands: "'" },
  { decimal: ',', thousands: '' }, { decimal: ',', thousands: '.' }, { decimal: ',', thousands: ' ' }, { decimal: ',', thousands: "'" },
];

/** True when `run` reads the value v as a number with these separators (as validateStage types a decimal, its sign dropped). */
function readsAs(sep: { decimal: '.' | ','; thousands: string }): string {
  let text = UNSIGNED;
  if (sep.thousands) text = `replace(${text}, ${literal(sep.thousands)}, '')`;
  if (sep.decimal !== '.') text = `replace(${text}, ',', '.')`;
  const plain = sep.decimal === '.' && !sep.thousands ? `TRY_CAST(v AS DECIMAL(18, 4)) IS NOT NULL OR ` : '';
  return `(NOT contains(v, '_') AND (${plain}TRY_CAST(${text} AS DECIMAL(18, 4)) IS NOT NULL))`;
}

/** The date formats that read a column: ISO 8601 first, then the candidates reading at least 99% of its values. */
async function dateReadings(db: Database, column: string): Promise<{ iso: number; formats: { format: string; share: number }[]; values: number }> {
  const iso = await share(db, column, ISO_TIMESTAMP);
  const formats: { format: string; share: number }[] = [];
  for (const format of CANDIDATE_DATE_FORMATS) {
    const s = await share(db, column, `try_strptime(v, ${literal(format)}) IS NOT NULL`);
    if (s.share >= 0.99) formats.push({ format, share: s.share });
  }
  return { iso: iso.share, formats: formats.sort((a, b) => b.share - a.share), values: iso.values };
}

/** Whether a column's values fit a canonical column's type well enough to map it. */
async function fits(db: Database, column: string, type: string): Promise<boolean> {
  if (type === 'timestamp' || type === 'date') {
    const r = await dateReadings(db, column);
    return r.values > 0 && (r.iso >= 0.9 || r.formats.length > 0);
  }
  if (type === 'decimal') {
    // A number as one of the patterns writes it, or as any separators a configuration can give read it.
    const s = await share(db, column, [...Object.values(NUMBER_PATTERNS), ...SEPARATORS.map(readsAs)].join(' OR '));
    return s.values > 0 && s.share >= 0.9;
  }
  if (type === 'boolean') {
    const s = await share(db, column, `lower(v) IN (${BOOLEAN_WORDS.map(([word]) => literal(word)).join(', ')})`);
    return s.values > 0 && s.share >= 0.99;
  }
  return true;
}

/** Each canonical column's best-named column whose values fit its type. */
async function mapColumns(db: Database, kind: InputKind, header: string[]): Promise<Record<string, Finding<string>>> {
  const columns: Record<string, Finding<string>> = {};
  const taken = new Set<string>();
  for (const c of specs[kind].columns) {
    for (const candidate of candidatesFor(kind, c.name, header).filter((h) => !taken.has(h))) {
      if (!(await fits(db, candidate, c.type))) continue;
      const others = candidatesFor(kind, c.name, header).filter((h) => h !== candidate && !taken.has(h));
      columns[c.name] = { value: candidate, evidence: `"${candidate}" is a usual name for ${c.name}${others.length ? ` (also possible: ${others.map((o) => `"${o}"`).join(', ')})` : ''}` };
      taken.add(candidate);
      break;
    }
  }
  return columns;
}

/** The decimal and thousands separators of the number columns, from how their values are written. */
async function detectNumbers(db: Database, columns: string[]): Promise<{ decimal: Finding<'.' | ','>; thousands: Finding<string> } | undefined> {
  if (!columns.length) return undefined;
  const tally = async (test: string) => {
    let n = 0;
    for (const c of columns) {
      const s = await share(db, c, test);
      n += Math.round(s.share * s.values);
    }
    return n;
  };
  const names = columns.map((c) => `"${c}"`).join(', ');
  // A value with one or two digits after a comma is written with a decimal comma; with a point, a decimal point.
  const commas = await tally(`regexp_full_match(v, '[-+]?[$€£¥]?\\s*[-+]?[0-9.  '']*[0-9],[0-9]{1,2}\\s*[€$£¥]?')`);
  const points = await tally(`regexp_full_match(v, '[-+]?[$€£¥]?\\s*[-+]?[0-9,  '']*[0-9]\\.[0-9]{1,2}\\s*[€$£¥]?')`);
  const decimal: Finding<'.' | ','> = commas > points
    ? { value: ',', evidence: `${count(commas)} values of ${names} end in a comma and one or two digits (against ${count(points)} with a point)` }
    : { value: '.', evidence: points ? `${count(points)} values of ${names} end in a point and one or two digits${commas ? ` (against ${count(commas)} with a comma)` : ''}` : `no value of ${names} shows a decimal separator: a point assumed` };
  const grouped = decimal.value === ','
    ? [{ sep: '.', n: await tally(NUMBER_PATTERNS.commaThousands) }, { sep: ' ', n: await tally(NUMBER_PATTERNS.spaceThousands) }]
    : [{ sep: ',', n: await tally(NUMBER_PATTERNS.pointThousands) }, { sep: "'", n: await tally(NUMBER_PATTERNS.apostropheThousands) }];
  const found = grouped.filter((g) => g.n > 0).sort((a, b) => b.n - a.n)[0];
  const thousands: Finding<string> = found
    ? { value: found.sep, evidence: `${count(found.n)} values group their thousands with ${found.sep === ' ' ? 'spaces' : `"${found.sep}"`}` }
    : { value: '', evidence: 'no value groups its thousands' };
  return checkEveryValue(db, columns, { decimal, thousands });
}

/**
 * The separators guessed from the telling values, checked on every sampled
 * value as `run` will read it (a currency sign dropped): when they leave
 * some unread and others read more, the ones that read the most are taken;
 * either way the evidence says how many values they read.
 */
async function checkEveryValue(db: Database, columns: string[], guess: { decimal: Finding<'.' | ','>; thousands: Finding<string> }) {
  const reads = async (sep: { decimal: '.' | ','; thousands: string }) => {
    let n = 0;
    let values = 0;
    for (const c of columns) {
      const s = await share(db, c, readsAs(sep));
      n += Math.round(s.share * s.values);
      values += s.values;
    }
    return { n, values };
  };
  const guessed = { decimal: guess.decimal.value, thousands: guess.thousands.value };
  let best = { sep: guessed, ...(await reads(guessed)) };
  if (best.n < best.values) {
    for (const sep of SEPARATORS) {
      const r = await reads(sep);
      if (r.n > best.n) best = { sep, ...r };
    }
  }
  const unread = async () => {
    for (const c of columns) {
      const v = await db.value<string | null>(`SELECT v FROM (SELECT trim(${ident(c)}) AS v FROM inspect_sample) WHERE v IS NOT NULL AND v <> '' AND NOT ${readsAs(best.sep)} LIMIT 1`);
      if (v !== null && v !== undefined) return v;
    }
    return undefined;
  };
  const left = best.n < best.values ? await unread() : undefined;
  const said = best.n === best.values
    ? `they read all ${count(best.values)} sampled values`
    : `they read ${count(best.n)} of ${count(best.values)} sampled values${left === undefined ? '' : ` (not, for one: '${left.slice(0, 40)}')`}`;
  const changed = best.sep.decimal !== guessed.decimal || best.sep.thousands !== guessed.thousands;
  const why = (what: string, kept: string) => (changed ? `${what}, the separators that read the most values (${kept} read fewer)` : what);
  const shownSep = (t: string) => (t === '' ? 'none' : t === ' ' ? 'space' : `"${t}"`);
  return {
    decimal: { value: best.sep.decimal, evidence: changed ? why(`decimal "${best.sep.decimal}" and thousands ${shownSep(best.sep.thousands)}: ${said}`, `decimal "${guessed.decimal}", thousands ${shownSep(guessed.thousands)}`) : `${guess.decimal.evidence}; ${said}` },
    thousands: { value: best.sep.thousands, evidence: changed ? `see decimal: ${said}` : guess.thousands.evidence },
  };
}

/**
 * The date format of the timestamp column: none when ISO 8601 reads it;
 * else the candidate that reads every value; refused when month-first and
 * day-first both read every value (the data cannot tell 3/4 from 4/3).
 */
async function detectDates(db: Database, column: string, kind: InputKind): Promise<{ found?: Finding<string>; iso?: string; refusal?: string }> {
  const r = await dateReadings(db, column);
  if (r.iso >= 0.99) return { iso: `"${column}": ${Math.round(100 * r.iso)}% of ${count(r.values)} sampled values are ISO 8601 dates or timestamps` };
  if (!r.formats.length) return { refusal: `no date format reads "${column}" (a value: see "fidelio rejected" after a run, or set formats.${kind}.dateFormat)` };
  const dayFirst = (f: string) => /^%d/.test(f);
  const monthFirst = (f: string) => /^%m/.test(f);
  const top = r.formats[0]!;
  const rival = r.formats.find((f) => f.share === top.share && (dayFirst(f.format) !== dayFirst(top.format) || monthFirst(f.format) !== monthFirst(top.format)));
  if (rival) {
    return { refusal: `"${column}" reads both as ${top.format} and as ${rival.format} for every sampled value (no day above 12): the data cannot tell month/day from day/month; set formats.${kind}.dateFormat to the one the shop uses` };
  }
  const other = r.formats.find((f) => f !== top && (dayFirst(f.format) || monthFirst(f.format)));
  const against = other ? `; ${other.format} reads ${Math.round(100 * other.share)}%` : '';
  return { found: { value: top.format, evidence: `"${column}": ${Math.round(100 * top.share)}% of ${count(r.values)} sampled values read as ${top.format}${against}; ISO 8601 reads ${Math.round(100 * r.iso)}%` } };
}

/** Line items or orders: ids that repeat with other values on their lines are an order's items. */
async function detectGrain(db: Database, columns: Record<string, Finding<string>>): Promise<Finding<'order' | 'line'>> {
  const id = ident(columns.order_id!.value);
  const r = (await db.one<{ n: number; ids: number; varying: number }>(`SELECT (SELECT count(*) FROM inspect_rows) AS n,
      (SELECT count(DISTINCT ${id}) FROM inspect_rows) AS ids,
      (SELECT count(*) FROM (SELECT ${id} FROM inspect_rows t GROUP BY ${id} HAVING count(DISTINCT t) > 1)) AS varying`))!;
  const name = columns.order_id!.value;
  if (r.varying > 0) {
    return { value: 'line', evidence: `"${name}" repeats (${count(r.ids)} distinct for ${count(r.n)} lines) and ${count(r.varying)} of them have lines that differ: each line is an item of an order` };
  }
  return { value: 'order', evidence: r.ids === r.n ? `"${name}" is unique on every line: one line per order` : `"${name}" repeats only on identical lines (exact duplicates): one line per order` };
}

/**
 * How many lines repeat an earlier line exactly, and what becomes of them:
 * in line items an item of its order (the same product scanned twice: two
 * sales), in orders a duplicate (loaded once).
 */
async function repeatedLines(db: Database, grain: 'order' | 'line'): Promise<string | undefined> {
  const r = (await db.one<{ n: number }>(`SELECT count(*) - count(DISTINCT t) AS n FROM inspect_rows t`))!;
  const n = Number(r.n);
  if (!n) return undefined;
  const lines = `${count(n)} line${n === 1 ? ' repeats' : 's repeat'} an earlier line exactly`;
  return grain === 'line'
    ? `${lines}: in line items each is an item of its order (the same product scanned twice is two sales) and counts; the same order sent again in a later file replaces it, it is not added twice`
    : `${lines}: one line per order, so each is a duplicate of its order and loaded once`;
}

/** Inspects one input file: how it is written and which of its columns are the contract's. */
export async function inspectFile(db: Database, kind: InputKind, path: string): Promise<FileInspection> {
  const format = formatOf(path);
  const out: FileInspection = { kind, path, format, lines: 0, columns: {}, undecided: [], refusals: [] };
  let delimiter = ',';
  let encoding: TextEncoding = 'utf-8';
  if (format === 'csv') {
    const bytes = head(path);
    out.encoding = detectEncoding(bytes);
    encoding = out.encoding.value;
    const text = encoding === 'latin-1' ? bytes.toString('latin1') : encoding === 'utf-16' ? new TextDecoder(bytes[0] === 0xfe ? 'utf-16be' : 'utf-16le').decode(bytes) : bytes.toString('utf8');
    const found = detectDelimiter(text);
    if (!found) throw new InputError(`${path}: no delimiter (${DELIMITERS.map(shown).join(', ')}) splits its first lines into columns; is it a CSV file?`);
    out.delimiter = found;
    delimiter = found.value;
  }
  const header = await readHeader(db, path, format, delimiter, encoding, kind);
  out.lines = await loadRows(db, path, format, header, delimiter, encoding);
  out.columns = await mapColumns(db, kind, header);

  const required = specs[kind].columns.filter((c) => c.required && c.name !== 'amount').map((c) => c.name);
  for (const c of required) if (!out.columns[c]) out.refusals.push(`no column of ${path} looks like ${kind}' ${c} (its columns: ${header.map((h) => `"${h}"`).join(', ')}): map it with columns.${kind}.${c}`);
  if (kind === 'orders') inspectOrders(out, header);
  const numbers = specs[kind].columns.filter((c) => c.type === 'decimal' && out.columns[c.name]).map((c) => out.columns[c.name]!.value);
  if (format !== 'parquet') {
    const found = await detectNumbers(db, numbers);
    if (found) [out.decimal, out.thousands] = [found.decimal, found.thousands];
  }
  const stamp = specs[kind].timestamp?.column ?? specs[kind].columns.find((c) => c.type === 'date' && out.columns[c.name])?.name;
  if (stamp && out.columns[stamp] && format !== 'parquet') {
    const dates = await detectDates(db, out.columns[stamp]!.value, kind);
    if (dates.found) out.dateFormat = dates.found;
    if (dates.refusal) out.refusals.push(dates.refusal);
    if (dates.iso) out.undecided.push(`no date format needed: ${dates.iso}`);
    if (kind === 'orders') {
      const zone = await detectTimeZone(db, out.columns[stamp]!.value);
      if (zone.found) out.timezone = zone.found;
      if (zone.undecided) out.undecided.push(zone.undecided);
    }
  }
  if (kind === 'orders' && out.columns.order_id) {
    out.grain = await detectGrain(db, out.columns);
    const repeats = await repeatedLines(db, out.grain.value);
    if (repeats) out.undecided.push(repeats);
    if (out.grain.value === 'line' && out.columns.quantity && out.columns.unit_price && out.columns.amount) {
      out.undecided.push(`"${out.columns.amount.value}" is left out: a line's amount is ${out.columns.quantity.value} x ${out.columns.unit_price.value}`);
      delete out.columns.amount;
    }
    if (out.grain.value === 'order' && !out.columns.amount && out.columns.quantity && out.columns.unit_price) {
      out.undecided.push(`no amount column: an order's amount is ${out.columns.quantity.value} x ${out.columns.unit_price.value}`);
    }
  }
  if (kind === 'orders' && out.columns.order_id) await inspectOrderShape(db, out, header);
  if (kind === 'orders') await inspectCurrency(db, out, header);
  await db.run('DROP TABLE IF EXISTS inspect_rows; DROP TABLE IF EXISTS inspect_sample');
  return out;
}

/**
 * A hosted shop's export: the order's own fields on its first line, the
 * revenue definition (the order's subtotal or total, less its refunds), and
 * what each order status means.
 */
async function inspectOrderShape(db: Database, out: FileInspection, header: string[]): Promise<void> {
  // The order's own amount is proposed for the first-row shape only (orderShape.ts), never taken by its name alone.
  const named = out.columns.order_total?.value;
  delete out.columns.order_total;
  if (out.grain?.value === 'line') {
    const shape = await detectOrderFields(db, out.columns);
    if (shape) {
      out.orderFields = shape;
      const total = proposeOrderTotal(header.filter((h) => !Object.values(out.columns).some((c) => c.value === h)), out.columns.refunded_amount?.value);
      if (total) out.columns.order_total = total;
    }
  }
  if (named && !out.columns.order_total) {
    out.undecided.push(`"${named}" is left out: an order's own amount is read from a line-items export that writes its orders' fields on their first line`);
  }
  if (out.grain?.value !== 'line' && out.columns.refunded_amount) {
    out.undecided.push(`"${out.columns.refunded_amount.value}" is left out: refunds are read from a column for line items only; a refund is an order with a negative amount`);
    delete out.columns.refunded_amount;
  }
  if (out.columns.refunded_amount) out.columns.refunded_amount.evidence = REFUND_EVIDENCE(out.columns.refunded_amount.value);
  if (out.columns.order_status) out.statuses = await inspectStatuses(db, out.columns.order_status.value, out.columns.order_id!.value);
}

/** The orders' amount (or quantity and unit price) and customer must be found, or said not to be. */
function inspectOrders(out: FileInspection, header: string[]): void {
  if (!out.columns.amount && !(out.columns.quantity && out.columns.unit_price)) {
    out.refusals.push(`no column of ${out.path} looks like an amount (nor quantity and unit price) (its columns: ${header.map((h) => `"${h}"`).join(', ')}): map columns.orders.amount`);
  }
  if (!out.columns.customer_id) out.undecided.push('no customer column: every order would be a guest\'s and nobody scored; map columns.orders.customer_id');
}

/** The currency of a country's shops, for a suggestion when a file has a country column but no currency. */
const COUNTRY_CURRENCIES: Record<string, string> = {
  unitedkingdom: 'GBP', uk: 'GBP', gb: 'GBP', england: 'GBP', unitedstates: 'USD', usa: 'USD', us: 'USD', germany: 'EUR', de: 'EUR', france: 'EUR', fr: 'EUR',
  spain: 'EUR', es: 'EUR', italy: 'EUR', it: 'EUR', netherlands: 'EUR', nl: 'EUR', portugal: 'EUR', pt: 'EUR', ireland: 'EUR', eire: 'EUR', belgium: 'EUR',
  austria: 'EUR', switzerland: 'CHF', ch: 'CHF', sweden: 'SEK', denmark: 'DKK', norway: 'NOK', japan: 'JPY', australia: 'AUD', canada: 'CAD', mexico: 'MXN',
};

/** With no currency column: a country column naming one country on most lines suggests its currency (said, not set). */
async function countryHint(db: Database, header: string[]): Promise<string> {
  const column = header.find((h) => ['country', 'countrycode', 'land', 'pays', 'pais'].includes(h.toLowerCase().replace(/[^a-z]/g, '')));
  if (!column) return '';
  const top = await db.one<{ c: string; share: number }>(`SELECT ${ident(column)} AS c, count(*) / (SELECT count(*) FROM inspect_sample) AS share
    FROM inspect_sample GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
  const currency = top?.c ? COUNTRY_CURRENCIES[top.c.toLowerCase().replace(/[^a-z]/g, '')] : undefined;
  return currency && top!.share >= 0.5 ? ` ("${column}" says ${top!.c} on ${Math.round(100 * top!.share)}% of lines: are they in ${currency}? then set currency: ${currency})` : '';
}

/** The currency the amounts are in, from a currency column holding one. */
async function inspectCurrency(db: Database, out: FileInspection, header: string[]): Promise<void> {
  const column = out.columns.currency?.value;
  if (!column) {
    out.undecided.push(`no currency column: the amounts are taken to be in the configured currency (USD unless set); set currency if they are not${await countryHint(db, header)}`);
    return;
  }
  const found = await db.all<{ c: string; n: number }>(`SELECT upper(trim(${ident(column)})) AS c, count(*) AS n FROM inspect_rows
    WHERE NULLIF(trim(${ident(column)}), '') IS NOT NULL GROUP BY 1 ORDER BY n DESC LIMIT 5`);
  if (found.length === 1 && /^[A-Z]{3}$/.test(found[0]!.c)) {
    out.currency = { value: found[0]!.c, evidence: `every "${column}" value is ${found[0]!.c}` };
  } else if (found.length > 1) {
    out.undecided.push(`"${column}" holds several currencies (${found.map((f) => `${f.c} ${count(f.n)}`).join(', ')}): give exchangeRates to convert them into the configured currency`);
  }
}
