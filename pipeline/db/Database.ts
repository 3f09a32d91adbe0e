import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBDataChunk, DuckDBDateValue, DuckDBDoubleType, DuckDBDoubleVector, DuckDBInstance, DuckDBTypeId, DuckDBVarCharType, DuckDBVarCharVector, JSDuckDBValueConverter, type DuckDBConnection, type DuckDBResult, type DuckDBType, type DuckDBValue, type DuckDBVector } from '@duckdb/node-api';
import { DataError, UsageError } from '../errors.js';

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
/** A result as columns: numbers in Float64Array (NULL as NaN), anything else as strings. */
export type Columns = Record<string, Float64Array | (string | null)[]>;

const NUMERIC_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DOUBLE, DuckDBTypeId.FLOAT, DuckDBTypeId.DECIMAL, DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT,
]);
/**
 * Numeric types whose vectors hand out plain numbers or bigints: read item
 * by item into a Float64Array, without the value converter's array of
 * boxed values (a million rows of sixty features: seconds saved). DECIMAL
 * goes through the converter, which scales it.
 */
const DIRECT_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DOUBLE, DuckDBTypeId.FLOAT, DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT,
]);
export type Row = Record<string, unknown>;

/** A text column stored as it is, for the tables a run writes for every customer (Database.replaceTablePlainText). */
export const UNCOMPRESSED_TEXT = 'VARCHAR USING COMPRESSION uncompressed';

export interface DatabaseOptions {
  threads?: number;
  memoryLimit?: string;
  /**
   * What DuckDB's block allocator may keep of the memory its blocks used, never giving it back to the system
   * (DuckDB's `block_allocator_memory`; 0, DuckDB's own default, returns every freed block).
   */
  blockAllocatorMemory?: string;
  readOnly?: boolean;
  /** Session time zone: naive timestamps are read in it and dates are taken in it. */
  timezone?: string;
}

/**
 * A thin wrapper over one embedded DuckDB database and one connection.
 * Values always travel as bound parameters; identifiers through `ident()`.
 * Rows come back as plain JS values (BIGINT as number, DATE/TIMESTAMP as
 * ISO strings) so that callers never handle DuckDB's value classes.
 */
export class Database {
  private listener?: (sql: string, params: Params | undefined) => void;
  /** The connections of the batch streams open now (interrupt reaches them too). */
  private readonly streams = new Set<DuckDBConnection>();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly timezone: string,
    /** Set on a connection made by `beside`: what closing it does instead of closing the instance. */
    private readonly release?: () => void,
  ) {}

  static async open(path: string, options: DatabaseOptions = {}): Promise<Database> {
    if (path !== ':memory:') {
      refuseForeignFile(path);
      mkdirSync(dirname(path), { recursive: true });
    }
    const settings: Record<string, string> = {};
    if (options.threads) settings.threads = String(options.threads);
    if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
    if (options.readOnly) settings.access_mode = 'READ_ONLY';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, settings);
    } catch (err) {
      throw new DataError(describeOpenError(path, err as Error), { cause: err });
    }
    const connection = await instance.connect();
    const db = new Database(path, instance, connection, options.timezone ?? 'UTC');
    try {
      // Set once the instance is made, so that a size DuckDB refuses is the user's to correct (a usage error, not a
      // database that cannot open); 0, DuckDB's own, is left as it is (DuckDB reads a bare 0 as a size without a unit).
      if (options.blockAllocatorMemory && !/^0+$/.test(options.blockAllocatorMemory)) await db.run(`SET GLOBAL block_allocator_memory = ${literal(options.blockAllocatorMemory)}`);
    } catch (err) {
      db.close();
      throw new UsageError(`duckdb.blockAllocatorMemory "${options.blockAllocatorMemory}" is not a size DuckDB takes here (such as 1GB, or 0; at most 80% of the machine's memory): ${(err as Error).message}`, [], { cause: err });
    }
    try {
      // Set on the connection: the time-zone extension loads after the instance's own settings.
      await db.run(`SET TimeZone = ${literal(options.timezone ?? 'UTC')}`);
    } catch (err) {
      db.close();
      throw new UsageError(`timezone "${options.timezone}" is not a time zone DuckDB knows (use an IANA name such as Europe/Madrid): ${(err as Error).message}`, [], { cause: err });
    }
    return db;
  }

  /** Calls `listener` with every statement this database runs (the stage audit's view of what a stage reads); undefined stops. */
  onQuery(listener: ((sql: string, params: Params | undefined) => void) | undefined): void {
    this.listener = listener;
  }

  /** Runs one or more statements, discarding results. */
  async run(sql: string, params?: Params): Promise<void> {
    this.listener?.(sql, params);
    await this.connection.run(sql, params);
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    this.listener?.(sql, params);
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => normalizeRow(row) as T);
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** The first column of the first row. */
  async value<T = unknown>(sql: string, params?: Params): Promise<T> {
    const row = await this.one(sql, params);
    return (row ? Object.values(row)[0] : undefined) as T;
  }

  /** Whether the database (or one attached to it) holds a table of this name. */
  async hasTable(name: string): Promise<boolean> {
    return (await this.value<number>('SELECT count(*) FROM duckdb_tables() WHERE table_name = $1', [name])) > 0;
  }

  /** Whether `name` in the database's own main schema is a view (not a table, not an attached database's). */
  async isView(name: string): Promise<boolean> {
    return (await this.value<number>(`SELECT count(*) FROM duckdb_views() WHERE view_name = $1 AND database_name = current_database() AND schema_name = 'main'`, [name])) > 0;
  }

  /** Whether `name` in the database's own main schema is a table (not a view, not an attached database's). */
  async isTable(name: string): Promise<boolean> {
    return (await this.value<number>(`SELECT count(*) FROM duckdb_tables() WHERE table_name = $1 AND database_name = current_database() AND schema_name = 'main'`, [name])) > 0;
  }

  /**
   * A query's result as columns of numbers (DOUBLE, INTEGER, BIGINT and
   * DECIMAL become Float64Array; NULL becomes NaN) or strings, for code
   * that works on whole columns rather than row objects (as `batches`
   * gives them, in one piece).
   */
  async columns(sql: string, params?: Params): Promise<Columns> {
    this.listener?.(sql, params);
    const result = await this.connection.stream(sql, params);
    const types = result.columnTypes();
    const parts: ChunkColumns[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      parts.push(chunkColumns(chunk, types));
    }
    return toColumns(result.columnNames(), types, parts);
  }

  /**
   * A query's result in batches of about `rows` rows, each as columns
   * (numeric types as Float64Array, NULL as NaN; others as strings), read
   * from DuckDB's stream chunk by chunk: memory holds one batch, whatever
   * the size of the result. The stream has a connection of its own (a
   * connection's stream ends when it runs another query, and the caller
   * writes each batch's results meanwhile): it reads the database's tables
   * as committed, not this connection's temp tables. With `shared`, the
   * numeric columns are held in SharedArrayBuffers: handed to a worker thread
   * (postMessage), they are shared with it rather than copied.
   */
  async *batches(sql: string, params?: Params, rows = 65_536, shared = false): AsyncGenerator<{ columns: Columns; n: number }> {
    this.listener?.(sql, params);
    const connection = await this.instance.connect();
    this.streams.add(connection);
    try {
      await connection.run(`SET TimeZone = ${literal(this.timezone)}`);
      yield* readBatches(await connection.stream(sql, params), rows, shared);
    } finally {
      this.streams.delete(connection);
      connection.closeSync();
    }
  }

  /**
   * A query's result as DuckDB's own data chunks (up to 2,048 rows each,
   * typed vectors with their validity), for a writer that encodes values
   * itself; on a connection of its own, as `batches`. A chunk is valid
   * until the next one is asked for.
   */
  async *dataChunks(sql: string, params?: Params): AsyncGenerator<DuckDBDataChunk> {
    this.listener?.(sql, params);
    const connection = await this.instance.connect();
    this.streams.add(connection);
    try {
      await connection.run(`SET TimeZone = ${literal(this.timezone)}`);
      const result = await connection.stream(sql, params);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        yield chunk;
      }
    } finally {
      this.streams.delete(connection);
      connection.closeSync();
    }
  }

  /**
   * SQL for the calendar date, in this connection's time zone, of the TIMESTAMPTZ expression `expr` (a column, as it
   * is repeated): CAST(expr AS DATE), which takes each value through ICU's calendar; in UTC, the same date from the
   * instant's microseconds since 1970 floored to whole days, in integers (exact for every finite timestamp; an
   * infinite one is cast). Ten million orders' dates: 1.6 s of CPU by the cast, 0.15 s so.
   */
  dateOf(expr: string): string {
    if (this.timezone !== 'UTC') return `CAST(${expr} AS DATE)`;
    const us = `epoch_us(${expr})`;
    const day = '86400000000';
    return `CASE WHEN isfinite(${expr}) THEN DATE '1970-01-01' + CAST((${us} - (${us} % ${day} + ${day}) % ${day}) // ${day} AS INTEGER) ELSE CAST(${expr} AS DATE) END`;
  }

  /**
   * Another connection to the same database, for work that runs beside this
   * connection's (a statement on each at once: DuckDB runs them together). It
   * has transactions of its own, so it reads the tables as committed, not
   * this connection's temp tables or open transaction; it reports its
   * statements to the same listener and is interrupted with this database.
   * Its `close()` closes the connection only.
   */
  async beside(): Promise<Database> {
    const connection = await this.instance.connect();
    this.streams.add(connection);
    const other = new Database(this.path, this.instance, connection, this.timezone, () => this.streams.delete(connection));
    other.listener = this.listener;
    try {
      await other.run(`SET TimeZone = ${literal(this.timezone)}`);
    } catch (err) {
      other.close();
      throw err;
    }
    return other;
  }

  /** `work` on a connection beside this one (beside()), closed once the work ends or fails: the work's result. */
  async onBeside<T>(work: (other: Database) => Promise<T>): Promise<T> {
    const other = await this.beside();
    try {
      return await work(other);
    } finally {
      other.close();
    }
  }

  /** Interrupts the query running on this database's connections (it fails with DuckDB's "Interrupted" error). */
  interrupt(): void {
    this.connection.interrupt();
    for (const c of this.streams) c.interrupt();
  }

  /**
   * Appends whole columns to an existing table through DuckDB's appender
   * (never row-by-row INSERTs), a data chunk of up to 2,048 rows at a time:
   * a Float64Array as DOUBLE (NaN as NULL), an array of strings as VARCHAR
   * (null as NULL); DuckDB casts each to the table's column type as it
   * would a single value. Columns are given in the table's order; a column
   * shorter than the first is NULL past its end.
   */
  async appendColumns(table: string, columns: (Float64Array | readonly (string | null)[])[]): Promise<void> {
    this.listener?.(`APPEND TO ${table}`, undefined);
    const appender = await this.connection.createAppender(table);
    try {
      const n = columns[0]?.length ?? 0;
      const types = columns.map((col) => (col instanceof Float64Array ? DOUBLE : VARCHAR));
      for (let from = 0; from < n; from += CHUNK_ROWS) {
        const rows = Math.min(CHUNK_ROWS, n - from);
        const chunk = DuckDBDataChunk.create(types, rows);
        columns.forEach((col, c) => fillVector(chunk.getColumnVector(c), col, from, rows));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } catch (err) {
      // Nothing of a refused append reaches the table (closing flushes what the appender holds).
      appender.clear();
      throw err;
    } finally {
      appender.closeSync();
    }
  }

  /**
   * CREATE OR REPLACE TABLE `table` AS `query` (`params` bound): the same rows in the same order, the same columns
   * and types, but its text columns (VARCHAR) stored uncompressed. For the tables a run writes for every customer
   * and reads a few times before a later run replaces them (customer_features, the models' scores, customer_scores):
   * DuckDB chooses each text column's compression by trying its methods on the values, and for a million distinct
   * customer ids that and the compressing itself cost more than the table's other columns (measured at issue 25's
   * stop of 2026-12-07: customer_scores written in 3.6-3.9 CPU-s, 2.35-2.9 with its text uncompressed, in 1,155
   * blocks instead of 523; about 0.25 CPU-s less for each of the narrow score tables). The tables that grow or live
   * long (the orders, the score history) keep DuckDB's choice. The rows are written to a table of their own, which
   * then takes `table`'s place, as CREATE TABLE AS does: `query` may read the table it replaces (customer_features
   * carried from the last run's), and a query that fails leaves it as it was. In a transaction of its own, so that
   * no half-written table is left and no other connection sees `table` missing between the drop and the rename;
   * `inTransaction`: the caller's transaction holds it instead.
   */
  async replaceTablePlainText(table: string, query: string, params?: Params, inTransaction = false): Promise<void> {
    const written = `${table}__written`;
    const write = async () => {
      const columns = await this.all<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`, params);
      // DESCRIBE gives the types CREATE TABLE AS stores (a column of bare NULLs as INTEGER).
      const definition = columns.map(({ column_name: name, column_type: type }) => `${ident(name)} ${type === 'VARCHAR' ? UNCOMPRESSED_TEXT : type}`);
      await this.run(`CREATE OR REPLACE TABLE ${written} (${definition.join(', ')})`);
      await this.run(`INSERT INTO ${written} ${query}`, params);
      await this.run(`DROP TABLE IF EXISTS ${table}; ALTER TABLE ${written} RENAME TO ${table}`);
    };
    await (inTransaction ? write() : this.transaction(write));
  }

  /** Runs `body` in a transaction: committed if it returns, rolled back if it throws. */
  async transaction<T>(body: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await body();
      await this.run('COMMIT');
      return result;
    } catch (err) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  close(): void {
    this.connection.closeSync();
    if (this.release) this.release();
    else this.instance.closeSync();
  }
}

/** A calendar date (YYYY-MM-DD) as a bound DATE parameter. */
export function dateParam(isoDate: string): DuckDBDateValue {
  const ms = Date.parse(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${isoDate}`);
  return new DuckDBDateValue(ms / 86_400_000);
}

/** Adds days to an ISO date. */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Quotes an identifier for SQL (column and table names never travel as values). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A print of a table's rows, as a scalar subquery: their count and the sum of a hash of `columns` per row,
 * 'count:sum' (the same for the same rows in any order; another value in any row, a row more or less, changes it).
 * What a run records to know, at the next, that a table it read or copied is as it was.
 */
export function rowsPrintSql(table: string, columns: readonly string[]): string {
  return `(SELECT count(*) || ':' || coalesce(sum(hash(${columns.map(ident).join(', ')})), 0) FROM ${ident(table)})`;
}

/** Quotes a string literal, for the few places DuckDB takes no parameter (file paths in COPY, table functions' options). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function normalizeRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = normalizeValue(v);
  return out;
}

function normalizeValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(v)) return v.map(normalizeValue);
  return v;
}

/** Where a DuckDB database file says what it is: bytes 8 to 11 of its first block. */
const DUCKDB_MAGIC = 'DUCK';

/**
 * A path that names an existing file which is not a DuckDB database (a CSV,
 * a Parquet file, a spreadsheet) is refused before anything is opened: DuckDB
 * would open some such files as a read-only view in memory, and a run would
 * then keep nothing. A new path is created; a DuckDB file that is damaged
 * (its magic there, its blocks not) is left to DuckDB's own error.
 */
function refuseForeignFile(path: string): void {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return;
    size = stat.size;
  } catch {
    return;
  }
  const head = Buffer.alloc(12);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  if (size >= 12 && head.subarray(8, 12).toString('latin1') === DUCKDB_MAGIC) return;
  throw new UsageError(`cannot open ${path} as a DuckDB database: the file exists and is not one (${size === 0 ? 'it is empty' : 'it does not start as a DuckDB file does'}); nothing was run. Point --db at a fidelio database or a new path; fidelio never writes over a file of another kind.`);
}

export function describeOpenError(path: string, err: Error): string {
  const msg = err.message;
  // DuckDB's own lock words (a corrupt file's checksum error speaks of a "block": not a lock).
  if (/Could not set lock on file|Conflicting lock is held/.test(msg)) {
    return `database ${path} is locked by another process (another fidelio run, or a BI tool holding it open): ${msg}. BI tools and fidelio list should read the published copy instead (fidelio.duckdb in the output folder: fidelio list --db <out>/fidelio.duckdb).`;
  }
  if (/not a valid DuckDB database|Invalid Input Error|unable to open|Serialization|IO Error/i.test(msg)) {
    return `cannot open ${path} as a DuckDB database: ${msg}. Point --db at a fidelio database or a new path.`;
  }
  return `cannot open database ${path}: ${msg}`;
}

/** Rows in one appended data chunk: DuckDB's vector size, the most a chunk holds. */
const CHUNK_ROWS = 2048;
const DOUBLE = DuckDBDoubleType.instance;
const VARCHAR = DuckDBVarCharType.instance;

/**
 * Writes rows `from` to `from + rows` of a column into a chunk's vector:
 * NaN, null and values past the column's end as NULL. The values first and
 * the NULLs after: a vector keeps no validity mask until its first NULL,
 * and each value set once it has one costs a bit operation on a bigint.
 */
function fillVector(vector: DuckDBVector, col: Float64Array | readonly (string | null)[], from: number, rows: number): void {
  const nulls: number[] = [];
  const text = !(col instanceof Float64Array);
  const storage = text ? undefined : doubleStorage(vector);
  if (storage && !storage.mask) {
    // The numbers copied at once into the vector's own array; NaN and the rows past the column's end NULL after.
    const values = (col as Float64Array).subarray(from, Math.min(col.length, from + rows));
    storage.items.set(values);
    for (let i = 0; i < rows; i++) if (i >= values.length || Number.isNaN(values[i]!)) nulls.push(i);
    for (const i of nulls) vector.setItem(i, null);
    vector.flush();
    return;
  }
  for (let i = 0; i < rows; i++) {
    const v = col[from + i];
    if (v === undefined || v === null || Number.isNaN(v)) nulls.push(i);
    else if (text && typeof v !== 'string') throw new TypeError(`appendColumns: a text column holds a ${typeof v}, not a string`);
    else vector.setItem(i, v);
  }
  for (const i of nulls) vector.setItem(i, null);
  vector.flush();
}

/**
 * A DOUBLE vector's own storage in the DuckDB client (its numbers and its
 * validity mask, one bit a row, clear for NULL; null while every row is
 * valid), read and written whole instead of item by item: for a million
 * customers' sixty features, tens of millions of calls saved. The client
 * keeps them as fields without a public accessor; undefined for any other
 * vector, or should a client hold them otherwise (the callers then go item
 * by item).
 */
function doubleStorage(vector: DuckDBVector): { items: Float64Array; mask: Uint32Array | null; offset: number } | undefined {
  if (!(vector instanceof DuckDBDoubleVector)) return undefined;
  const v = vector as unknown as { items?: unknown };
  const validity = validityOf(vector);
  if (!(v.items instanceof Float64Array) || !validity) return undefined;
  return { items: v.items, ...validity };
}

/**
 * A vector's validity mask as the client keeps it (one bit a row, clear for
 * NULL; null while every row is valid), its 64-bit words as 32-bit ones: row
 * r's bit is bit (offset + r) % 32 of word (offset + r) / 32 on a
 * little-endian machine; undefined should the client hold it otherwise, or
 * on a big-endian one.
 */
function validityOf(vector: DuckDBVector): { mask: Uint32Array | null; offset: number } | undefined {
  const v = vector as unknown as { validity?: { data?: unknown; offset?: unknown } };
  const data = v.validity?.data;
  if (!(data === null || data instanceof BigUint64Array) || typeof v.validity?.offset !== 'number') return undefined;
  const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  if (data && !littleEndian) return undefined;
  return { mask: data ? new Uint32Array(data.buffer, data.byteOffset, data.length * 2) : null, offset: v.validity.offset };
}

/** Whether row `row` of a vector is NULL by its validityOf mask. */
const isNull = (mask: Uint32Array, offset: number, row: number): boolean => {
  const bit = offset + row;
  return ((mask[bit >>> 5]! >>> (bit & 31)) & 1) === 0;
};

/**
 * A VARCHAR vector's own storage in the DuckDB client: its 16-byte string
 * headers (a length, then the text itself when it is 12 bytes or shorter)
 * and its validity mask, as doubleStorage reads a DOUBLE vector's; undefined
 * for any other vector, or should a client hold them otherwise.
 */
function varcharStorage(vector: DuckDBVector, rows: number): { bytes: Uint8Array; view: DataView; mask: Uint32Array | null; offset: number } | undefined {
  if (!(vector instanceof DuckDBVarCharVector)) return undefined;
  const view = (vector as unknown as { dataView?: unknown }).dataView;
  const validity = validityOf(vector);
  if (!(view instanceof DataView) || view.byteLength < rows * 16 || !validity) return undefined;
  return { bytes: new Uint8Array(view.buffer, view.byteOffset, rows * 16), view, ...validity };
}

/**
 * A VARCHAR vector's texts (NULL as null). A short ASCII text (12 bytes or
 * fewer: ids, codes, categories) is made from its bytes where it lies; any
 * other goes through the client's UTF-8 decoder. A million ids and three
 * categories took 1.3 s through the client's converter, most of it decoding
 * a few bytes at a time.
 */
function varcharColumn(vector: DuckDBVector, rows: number): (string | null)[] {
  const out = new Array<string | null>(rows);
  const storage = varcharStorage(vector, rows);
  if (!storage) {
    for (let i = 0; i < rows; i++) out[i] = vector.getItem(i) as string | null;
    return out;
  }
  const { bytes, view, mask, offset } = storage;
  // A column of few distinct texts (a category, a country) hands out the same string for the same bytes: a chunk's
  // texts by a hash of their bytes, until the chunk shows itself a column of many (ids), where a lookup saves nothing.
  let seen: Map<number, string> | undefined = new Map();
  let misses = 0;
  for (let i = 0; i < rows; i++) {
    if (mask && isNull(mask, offset, i)) {
      out[i] = null;
      continue;
    }
    const at = i * 16;
    const length = view.getUint32(at, true);
    let ascii = length <= 12;
    let key = 0;
    if (ascii && seen) {
      // A hash of the text's bytes, the text taken from the map only when it is those very bytes.
      key = shortTextKey(bytes, at + 4, length);
      const hit = seen.get(key);
      if (hit !== undefined && sameText(hit, bytes, at + 4, length)) {
        out[i] = hit;
        continue;
      }
    }
    if (ascii) {
      const codes = CODES[length]!;
      for (let k = 0; k < length; k++) {
        const b = bytes[at + 4 + k]!;
        if (b >= 0x80) {
          ascii = false;
          break;
        }
        codes[k] = b;
      }
      if (ascii) {
        const text = String.fromCharCode.apply(null, codes);
        out[i] = text;
        if (seen) {
          seen.set(key, text);
          if (++misses > 64) seen = undefined;
        }
      }
    }
    if (!ascii) out[i] = vector.getItem(i) as string | null;
  }
  return out;
}

/** A 32-bit hash of `length` bytes of `bytes` from `at` (FNV-1a's step): texts may share one, told apart by sameText. */
export function shortTextKey(bytes: Uint8Array, at: number, length: number): number {
  let key = length;
  for (let k = 0; k < length; k++) key = Math.imul(key ^ bytes[at + k]!, 16777619);
  return key;
}

/** Whether `text` is the `length` ASCII bytes of `bytes` from `at`. */
function sameText(text: string, bytes: Uint8Array, at: number, length: number): boolean {
  if (text.length !== length) return false;
  for (let k = 0; k < length; k++) if (text.charCodeAt(k) !== bytes[at + k]) return false;
  return true;
}

/** One array of character codes per length of a short text (varcharColumn fills the one it needs, without allocating). */
const CODES = Array.from({ length: 13 }, (_, n) => new Array<number>(n).fill(0));

/** One chunk's columns: DIRECT_TYPES as Float64Array (NULL as NaN), VARCHAR as texts, the others as the converter's values. */
type ChunkColumns = (Float64Array | unknown[])[];

function chunkColumns(chunk: DuckDBDataChunk, types: readonly DuckDBType[]): ChunkColumns {
  return types.map((type, c) => {
    if (type.typeId === DuckDBTypeId.VARCHAR) return varcharColumn(chunk.getColumnVector(c), chunk.rowCount);
    if (!DIRECT_TYPES.has(type.typeId)) return chunk.convertColumnValues(c, JSDuckDBValueConverter) as unknown[];
    const vector = chunk.getColumnVector(c);
    const storage = doubleStorage(vector);
    if (storage && storage.items.length === chunk.rowCount) {
      // A DOUBLE vector's numbers copied at once, then its NULLs (clear bits of the validity mask) as NaN.
      const out = Float64Array.from(storage.items);
      const { mask, offset } = storage;
      if (mask) {
        for (let i = 0; i < out.length; i++) if (isNull(mask, offset, i)) out[i] = NaN;
      }
      return out;
    }
    const out = new Float64Array(chunk.rowCount);
    for (let i = 0; i < out.length; i++) {
      const v = vector.getItem(i) as number | bigint | null;
      out[i] = v === null ? NaN : Number(v);
    }
    return out;
  });
}

/**
 * Columns from parts of a result (each part one chunk's columns, in result
 * order): numeric types as one Float64Array (NULL as NaN; over a
 * SharedArrayBuffer with `shared`), any other type as strings. By type, so
 * a column of NULLs keeps its kind.
 */
function toColumns(names: string[], types: readonly { typeId: DuckDBTypeId }[], parts: ChunkColumns[], shared = false): Columns {
  const columns: Columns = {};
  names.forEach((name, c) => {
    // A result with no rows has no column arrays.
    const values = parts.map((part) => part[c] ?? []);
    if (NUMERIC_TYPES.has(types[c]!.typeId)) {
      const length = values.reduce((s, v) => s + v.length, 0);
      const out = shared ? new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT)) : new Float64Array(length);
      let at = 0;
      for (const part of values) {
        if (part instanceof Float64Array) {
          out.set(part, at);
          at += part.length;
        } else for (const v of part) out[at++] = v === null || v === undefined ? NaN : Number(v);
      }
      columns[name] = out;
    } else {
      const texts = new Array<string | null>(values.reduce((s, v) => s + v.length, 0));
      const plain = types[c]!.typeId === DuckDBTypeId.VARCHAR;
      let at = 0;
      for (const part of values) {
        for (const v of part as unknown[]) texts[at++] = plain ? (v as string | null) : v === null || v === undefined ? null : String(normalizeValue(v));
      }
      columns[name] = texts;
    }
  });
  return columns;
}

/** Gathers a stream's chunks into batches of at least `rows` rows, as columns. */
async function* readBatches(result: DuckDBResult, rows: number, shared: boolean): AsyncGenerator<{ columns: Columns; n: number }> {
  const names = result.columnNames();
  const types = result.columnTypes();
  let pending: ChunkColumns[] = [];
  let n = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    pending.push(chunkColumns(chunk, types));
    n += chunk.rowCount;
    if (n >= rows) {
      yield { columns: toColumns(names, types, pending, shared), n };
      pending = [];
      n = 0;
    }
  }
  if (n > 0) yield { columns: toColumns(names, types, pending, shared), n };
}
