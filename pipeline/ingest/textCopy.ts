import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

/** The longest line read as a row, in every text format; longer lines are rejected with their reason. */
export const MAX_ROW_BYTES = 1 << 20;
/** How much of a rejected line's text is kept in rejected_rows. */
const MAX_KEPT_CHARS = 2000;

export type TextEncoding = 'utf-8' | 'latin-1' | 'utf-16';

export interface TextOptions {
  /** The input kind, for the messages' fixes (formats.<kind>.encoding). */
  kind: string;
  encoding: TextEncoding;
  /**
   * CSV: records are read as RFC 4180 says, a quoted field may span lines;
   * a quote left open that no later line closes into a record is a
   * malformed line.
   */
  checkQuotes: boolean;
  /** CSV: the delimiter and the header's number of fields, which a record spanning lines must have. */
  delimiter?: string;
  fields?: number;
  /** Scan a file read as it is for the characters an identifier may not hold (LineCount.controls; CSV, whose values are its characters). */
  scanControls?: boolean;
  /** Scan a file read as it is for space separators where a value begins or ends (LineCount.edgeSpaces; CSV, with `delimiter`). */
  scanSpaces?: boolean;
}

/** A CSV record holding line breaks inside quotes: its first physical line and how many lines it spans. */
export interface RecordSpan {
  line: number;
  lines: number;
}

/** The most physical lines one record may span (a note or an address); an open quote beyond is a malformed line. */
export const MAX_RECORD_LINES = 100;

/** A line rejected before DuckDB reads the file, with its reason and class. */
export interface LineReject {
  line: number;
  raw: string;
  reason: string;
  reasonClass: string;
}

/** The encoding a byte-order mark declares, whatever the configuration says. */
function markedEncoding(path: string): 'utf-16le' | 'utf-16be' | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
    if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Why one line (no line end) cannot be read as a row, or undefined when it can. */
function lineProblem(line: Buffer, o: TextOptions, quotes = o.checkQuotes): { reason: string; reasonClass: string } | undefined {
  if (line.length > MAX_ROW_BYTES) return { reason: `line longer than ${MAX_ROW_BYTES} bytes (${line.length})`, reasonClass: 'line_too_long' };
  if (!isUtf8(line)) return { reason: `invalid UTF-8 bytes in the line (is the file Latin-1? set formats.${o.kind}.encoding: latin-1)`, reasonClass: 'invalid_utf8' };
  if (line.indexOf(0) !== -1) return { reason: `a NUL byte in the line (is the file UTF-16? set formats.${o.kind}.encoding: utf-16)`, reasonClass: 'nul_byte' };
  if (line.indexOf(0x0d) !== -1) return { reason: 'a carriage return inside the line', reasonClass: 'carriage_return' };
  if (quotes && countQuotes(line) % 2 === 1) return OPEN_QUOTE;
  return undefined;
}

const OPEN_QUOTE = {
  reason: 'malformed quoting: a quoted field opened on this line is not closed by a later line into one record of the header\'s fields',
  reasonClass: 'malformed_quoting',
};

/** The fields of a CSV record (quotes respected), or undefined when the delimiter is not one byte. */
function fieldCount(record: Buffer, delimiter: string): number | undefined {
  const d = Buffer.from(delimiter);
  if (d.length !== 1) return undefined;
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const b = record[i];
    if (b === 0x22) quoted = !quoted;
    else if (b === d[0] && !quoted) fields++;
  }
  return fields;
}

/** The kept text of a rejected line: valid UTF-8, carriage returns shown, long lines cut. */
function keptText(line: Buffer): string {
  const text = line.subarray(0, 4 * MAX_KEPT_CHARS).toString('utf8').replaceAll('\r', '\\r').replaceAll('\u0000', '\\0');
  return text.length > MAX_KEPT_CHARS ? `${text.slice(0, MAX_KEPT_CHARS)}… (${line.length} bytes)` : text;
}

/** A file read as it is: its physical lines (a last line without a line end counted) and how many of them are empty. */
export interface LineCount {
  lines: number;
  blank: number;
  /**
   * Whether some byte of the file is, or begins, a character an identifier may not hold (holdsControls), or the file
   * was not scanned for them (TextOptions.scanControls): then an identifier may hold one, and its check is made on
   * every value; otherwise no value read from it can.
   */
  controls: boolean;
  /**
   * Whether a space separator may begin or end a value of the file (edgeSpaces), or the file was not scanned for them
   * (TextOptions.scanSpaces, or a delimiter of more than one byte): then trimming a value may change it; otherwise no
   * value read from it changes when trimmed.
   */
  edgeSpaces: boolean;
}

/**
 * The length in bytes of the character at `i` of `bytes` (UTF-8) when it is a space separator, 0 when it is not: a
 * character of Unicode's category Zs, what DuckDB's trim() removes from either end of a value (U+0020, U+00A0,
 * U+1680, U+2000-U+200A, U+202F, U+205F and U+3000; not the tab, a control).
 */
function spaceSeparatorAt(bytes: Uint8Array, i: number): number {
  switch (bytes[i]) {
    case 0x20:
      return 1;
    case 0xc2:
      return bytes[i + 1] === 0xa0 ? 2 : 0;
    case 0xe1:
      return bytes[i + 1] === 0x9a && bytes[i + 2] === 0x80 ? 3 : 0;
    case 0xe2: {
      const c = bytes[i + 1];
      const d = bytes[i + 2] ?? 0;
      return (c === 0x80 && ((d >= 0x80 && d <= 0x8a) || d === 0xaf)) || (c === 0x81 && d === 0x9f) ? 3 : 0;
    }
    case 0xe3:
      return bytes[i + 1] === 0x80 && bytes[i + 2] === 0x80 ? 3 : 0;
    default:
      return 0;
  }
}

/** The lead bytes of the space separators (spaceSeparatorAt). */
const SPACE_LEADS = [0x20, 0xc2, 0xe1, 0xe2, 0xe3] as const;

/**
 * Whether some space separator (spaceSeparatorAt) in `bytes` (whole lines of valid UTF-8, the first beginning at 0)
 * stands where a CSV value may begin or end: at the start or the end of `bytes`, or beside a line feed, a quote or the
 * `delimiter` byte. When none does, no value read from the lines (quoted or not) begins or ends with one, and DuckDB's
 * trim() returns every value as it is: validateStage then leaves it out (it copies every value it trims, 5 of the 15
 * CPU-seconds of typing the bench's ten million order lines). A space between two words, or beside a letter or a digit,
 * is no edge. Each lead byte of a space separator is found by byte searches (the ASCII space alone where every byte
 * is ASCII), and only the bytes found are looked at: a file of five million lines with six spaces between words on each
 * took 0.5 s more to check, one without a space no more.
 */
export function edgeSpaces(bytes: Uint8Array, delimiter: number): boolean {
  const n = bytes.length;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, n);
  const edge = (i: number) => i < 0 || i >= n || bytes[i] === 0x0a || bytes[i] === 0x22 || bytes[i] === delimiter;
  // ASCII bytes (most files' every byte, looked at at once) hold no space separator but the space.
  for (const lead of isAscii(buffer) ? [0x20] : SPACE_LEADS) {
    for (let i = buffer.indexOf(lead); i !== -1; i = buffer.indexOf(lead, i + 1)) {
      const size = spaceSeparatorAt(bytes, i);
      if (size > 0 && (edge(i - 1) || edge(i + size))) return true;
    }
  }
  return false;
}

/**
 * Whether `bytes` (valid UTF-8, whole characters) hold a character an identifier may not hold (validateStage's
 * ID_CONTROL): a C0 control but the line feed that ends a line (the tab too: a delimiter or not, it is one), DEL, a C1
 * control (U+0080-U+009F: C2 80-9F) or a bidirectional embedding, override (U+202A-U+202E: E2 80 AA-AE) or isolate
 * (U+2066-U+2069: E2 81 A6-A9). Four bytes at a time: a word whose bytes are all printable ASCII or line feeds
 * costs a few arithmetic operations (each byte's test exact, no carry crossing bytes); the others are looked at byte
 * by byte (controlAt). A byte at a time, the bench's 683 MB orders file took 0.8 s more to check.
 */
export function holdsControls(bytes: Uint8Array): boolean {
  const n = bytes.length;
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  if (controlAt(bytes, 0, head)) return true;
  const count = (n - head) >>> 2;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, count);
  for (let k = 0; k < count; k++) {
    const w = words[k]!;
    // Each byte's high bit: below 0x20; equal to 0x0a; 0x7f or from 0x80 (the low seven bits plus a constant never carry out of a byte).
    const low = ~(((w & 0x7f7f7f7f) + 0x60606060) | w);
    const lf = w ^ 0x0a0a0a0a;
    const feed = ~(((lf & 0x7f7f7f7f) + 0x7f7f7f7f) | lf);
    const high = ((w & 0x7f7f7f7f) + 0x01010101) | w;
    if ((((low & ~feed) | high) & 0x80808080) !== 0 && controlAt(bytes, head + 4 * k, head + 4 * k + 4)) return true;
  }
  return controlAt(bytes, head + 4 * count, n);
}

/** Whether a character holdsControls looks for begins at a byte from `from` to `to` (the bytes after it read as needed). */
function controlAt(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b < 0x7f) continue;
    if (b < 0x20) {
      if (b !== 0x0a) return true;
    } else if (b === 0x7f) {
      return true;
    } else if (b === 0xc2) {
      const c = bytes[i + 1] ?? 0;
      if (c >= 0x80 && c <= 0x9f) return true;
    } else if (b === 0xe2) {
      const c = bytes[i + 1] ?? 0;
      const d = bytes[i + 2] ?? 0;
      if ((c === 0x80 && d >= 0xaa && d <= 0xae) || (c === 0x81 && d >= 0xa6 && d <= 0xa9)) return true;
    }
  }
  return false;
}

/**
 * Whether a UTF-8 file can be read as it is: every line within the length
 * limit, valid UTF-8, with no NUL or carriage return and (CSV) an even
 * number of quotes; then its lines, counted in the same pass, whether
 * it holds a character an identifier may not (holdsControls) and whether a
 * space separator may begin or end a value (edgeSpaces), undefined
 * when it cannot. One pass of byte searches per chunk and one loop over its
 * bytes; another only where a chunk holds quotes.
 */
async function readableAsIs(path: string, o: TextOptions): Promise<LineCount | undefined> {
  // The bytes after the last line end of a chunk begin the next one's first line: carried over and checked with it.
  let tail: Buffer = Buffer.alloc(0);
  let parity = 0;
  let lines = 0;
  let blank = 0;
  let controls = o.scanControls !== true;
  // Spaces are looked for beside a delimiter of one byte only (edgeSpaces); otherwise a value may begin or end with one.
  const delimiter = o.delimiter !== undefined && Buffer.byteLength(o.delimiter) === 1 ? Buffer.from(o.delimiter)[0]! : undefined;
  const spaced = (bytes: Uint8Array) => delimiter === undefined || edgeSpaces(bytes, delimiter);
  let spaces = o.scanSpaces !== true || delimiter === undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const data = tail.length ? Buffer.concat([tail, chunk as Buffer]) : (chunk as Buffer);
    const end = data.lastIndexOf(0x0a) + 1;
    const complete = data.subarray(0, end);
    tail = data.subarray(end);
    if (tail.length > MAX_ROW_BYTES) return undefined;
    if (complete.length === 0) continue;
    if (complete.indexOf(0x0d) !== -1 || complete.indexOf(0) !== -1 || !isUtf8(complete)) return undefined;
    // Whole lines of valid UTF-8: no character is cut at the chunk's end.
    controls ||= holdsControls(complete);
    spaces ||= spaced(complete);
    let start = 0;
    for (let nl = complete.indexOf(0x0a); nl !== -1; nl = complete.indexOf(0x0a, start)) {
      if (nl - start > MAX_ROW_BYTES) return undefined;
      if (nl === start) blank++;
      lines++;
      start = nl + 1;
    }
    if (o.checkQuotes && complete.indexOf(0x22) !== -1) {
      for (let i = 0; i < complete.length; i++) {
        const b = complete[i];
        if (b === 0x22) parity ^= 1;
        else if (b === 0x0a && parity) return undefined;
      }
    }
  }
  const last = tail;
  if (last.length === 0) return { lines, blank, controls, edgeSpaces: spaces };
  const clean = last.indexOf(0x0d) === -1 && last.indexOf(0) === -1 && isUtf8(last) && (!o.checkQuotes || countQuotes(last) % 2 === 0);
  return clean ? { lines: lines + 1, blank, controls: controls || holdsControls(last), edgeSpaces: spaces || spaced(last) } : undefined;
}

/**
 * The text of some physical lines of a file (1-based numbers), read in one
 * pass of newline searches: the lines a clean file's rejected rows need.
 */
export async function linesOf(path: string, wanted: ReadonlySet<number>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (wanted.size === 0) return out;
  // A loop, not Math.max(...wanted): a file may have hundreds of thousands of rejected lines.
  let last = 0;
  for (const line of wanted) if (line > last) last = line;
  let lineNo = 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const data = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
      lineNo++;
      if (wanted.has(lineNo)) out.set(lineNo, data.subarray(start, nl).toString('utf8'));
      start = nl + 1;
    }
    rest = data.subarray(start);
    if (lineNo >= last) return out;
  }
  if (rest.length && wanted.has(lineNo + 1)) out.set(lineNo + 1, rest.toString('utf8'));
  return out;
}

function countQuotes(line: Buffer): number {
  let quotes = 0;
  for (let i = line.indexOf(0x22); i !== -1; i = line.indexOf(0x22, i + 1)) quotes++;
  return quotes;
}

/**
 * The file as DuckDB's readers can take it: the file itself when it is
 * clean UTF-8 with no line break inside quotes (readableAsIs, with its
 * lines counted in `asIs`), otherwise a temporary UTF-8 copy (decoded from
 * Latin-1 or UTF-16, Windows line ends made plain) in which every record
 * that cannot be a row is blanked, so line numbers keep, and returned as a
 * reject with its reason. A CSV record may span lines inside quotes
 * (RFC 4180): it is kept whole, listed in `spans`, and rejected (if it is)
 * once, by its first line. A quote that no later line closes into a record
 * of the header's fields (within MAX_RECORD_LINES lines and MAX_ROW_BYTES)
 * costs its own line only, never the lines after it: they are read again
 * as lines of their own.
 */
export async function readableText(
  path: string,
  o: TextOptions,
): Promise<{ path: string; rejects: LineReject[]; spans: RecordSpan[]; cleanup: () => void; asIs?: LineCount }> {
  const marked = markedEncoding(path);
  const decoding = marked ?? (o.encoding === 'latin-1' ? 'latin1' : o.encoding === 'utf-16' ? 'utf-16le' : undefined);
  const asIs = decoding ? undefined : await readableAsIs(path, o);
  if (asIs) return { path, rejects: [], spans: [], cleanup: () => undefined, asIs };

  const rejects: LineReject[] = [];
  const spans: RecordSpan[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-text-'));
  const copy = join(dir, 'text' + path.slice(path.lastIndexOf('.')));
  const out = createWriteStream(copy);
  const decoder = decoding ? new TextDecoder(decoding) : undefined;
  let lineNo = 0;
  let skipping = false;
  let rest: Buffer = Buffer.alloc(0);
  const newline = Buffer.from('\n');
  interface Held { no: number; bytes: Buffer; last: boolean }
  /** The lines of a record whose quoted field is still open. */
  let open: { lines: Held[]; parity: number; size: number } | undefined;
  const emit = (l: Held, keep: boolean) => {
    if (keep) out.write(l.bytes);
    if (!l.last) out.write(newline);
  };
  const fail = () => {
    const [first, ...later] = open!.lines;
    open = undefined;
    rejects.push({ line: first!.no, raw: keptText(first!.bytes), ...OPEN_QUOTE });
    emit(first!, false);
    for (const l of later) take1(l);
  };
  const close = () => {
    const lines = open!.lines;
    const record = Buffer.concat(lines.flatMap((l, i) => (i ? [newline, l.bytes] : [l.bytes])));
    const fields = o.fields !== undefined && o.delimiter !== undefined ? fieldCount(record, o.delimiter) : undefined;
    if (fields !== undefined && fields !== o.fields) return fail();
    open = undefined;
    const problem = lines.map((l) => lineProblem(l.bytes, o, false)).find((p) => p !== undefined);
    if (problem) rejects.push({ line: lines[0]!.no, raw: keptText(record), ...problem });
    else spans.push({ line: lines[0]!.no, lines: lines.length });
    for (const l of lines) emit(l, !problem);
  };
  // One physical line, alone or as the next line of an open record.
  const take1 = (l: Held) => {
    if (open) {
      open.lines.push(l);
      open.parity ^= countQuotes(l.bytes) % 2;
      open.size += l.bytes.length + 1;
      if (open.parity === 0) return close();
      if (l.last || open.size > MAX_ROW_BYTES || open.lines.length >= MAX_RECORD_LINES) fail();
      return;
    }
    const problem = lineProblem(l.bytes, o, false);
    if (!problem && o.checkQuotes && countQuotes(l.bytes) % 2 === 1 && !l.last) {
      open = { lines: [l], parity: 1, size: l.bytes.length };
      return;
    }
    const found = problem ?? lineProblem(l.bytes, o);
    if (found) rejects.push({ line: l.no, raw: keptText(l.bytes), ...found });
    emit(l, !found);
  };
  const writeLine = (raw: Buffer, last: boolean) => {
    lineNo++;
    const line = raw.length && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
    // A held line must not share its memory with a chunk that is reused.
    take1({ no: lineNo, bytes: open || countQuotes(line) % 2 === 1 ? Buffer.from(line) : line, last });
  };
  const take = (bytes: Buffer) => {
    const buf: Buffer = rest.length ? Buffer.concat([rest, bytes]) : bytes;
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      writeLine(buf.subarray(start, nl), false);
      start = nl + 1;
    }
    rest = buf.subarray(start);
    // A line without end beyond the limit: rejected now, its remainder skipped as it streams.
    if (rest.length > 4 * MAX_ROW_BYTES) {
      while (open) fail();
      rejects.push({ line: lineNo + 1, raw: keptText(rest), reason: `line longer than ${MAX_ROW_BYTES} bytes (${rest.length} or more)`, reasonClass: 'line_too_long' });
      skipping = true;
      rest = Buffer.alloc(0);
    }
  };
  for await (const chunk of createReadStream(path)) {
    let bytes = chunk as Buffer;
    if (decoder) bytes = Buffer.from(decoder.decode(bytes, { stream: true }), 'utf8');
    if (skipping) {
      const nl = bytes.indexOf(0x0a);
      if (nl === -1) continue;
      skipping = false;
      lineNo++;
      out.write(newline);
      bytes = bytes.subarray(nl + 1);
    }
    take(bytes);
  }
  if (decoder) take(Buffer.from(decoder.decode(), 'utf8'));
  if (rest.length && !skipping) writeLine(rest, true);
  // A quote still open at the end of the file: its first line is malformed, the lines after it are read again.
  while (open) fail();
  rejects.sort((a, b) => a.line - b.line);
  out.end();
  await finished(out);
  return { path: copy, rejects, spans, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
