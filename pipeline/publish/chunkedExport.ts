import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { literal, type Database, type Params } from '../db/Database.js';

/** One query whose rows go out as CSV, in order. */
export interface ExportJob {
  /** Names its chunk files (a table's name). */
  name: string;
  /** A SELECT, without its order. */
  query: string;
  /** The order its rows go out in (columns of the query), if any. */
  orderBy?: string;
  params?: Params;
  /** A column `orderBy` starts with: the query is exported in ranges of it, in order. */
  rangeColumn?: string;
}

/** One chunk's rows, exported or on their way. */
interface Chunk {
  job: number;
  file: string;
  sql: string;
  params?: Params;
  seconds: number;
}

/**
 * Exports queries' rows from DuckDB as CSV files (no header, NULL as the
 * empty value) AHEAD of the reader that streams them elsewhere, so that
 * DuckDB's export and the reader's load overlap instead of taking turns.
 * A query given a `rangeColumn` is cut into chunks by ranges of that
 * column (`bounds`, ascending), each chunk exported with the query's own
 * order: the chunks read one after the other give the query's rows in its
 * order, and its first rows can be loaded while the rest are exported.
 * At most `ahead` chunk files wait on disk; each is removed once read.
 * DuckDB runs one export at a time (the connection is not shared), and
 * `close()` waits for the export under way, so that the caller may use
 * the database again as soon as it returns.
 */
export class ChunkedExport {
  private readonly chunks: Chunk[] = [];
  private readonly done: Promise<void>[] = [];
  private chain: Promise<void> = Promise.resolve();
  private started = 0;
  private stopped = false;

  constructor(
    private readonly db: Database,
    jobs: readonly ExportJob[],
    bounds: readonly string[],
    dir: string,
    private readonly ahead = 3,
  ) {
    jobs.forEach((job, j) => {
      const ranges = job.rangeColumn && bounds.length ? bounds.length + 1 : 1;
      for (let k = 0; k < ranges; k++) {
        const where: string[] = [];
        if (ranges > 1) {
          const col = `q.${job.rangeColumn!}`;
          if (k > 0) where.push(`${col} > ${literal(bounds[k - 1]!)}`);
          if (k < ranges - 1) where.push(`${col} <= ${literal(bounds[k]!)}`);
        }
        const sql = `SELECT q.* FROM (${job.query}) q${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${job.orderBy ? ` ORDER BY ${job.orderBy}` : ''}`;
        this.chunks.push({ job: j, file: join(dir, `${job.name}.${k}.csv`), sql, params: job.params, seconds: 0 });
      }
    });
    while (this.started < Math.min(this.ahead, this.chunks.length)) this.startNext();
  }

  /** How many chunks job `j` is exported in. */
  chunkCount(j: number): number {
    return this.chunks.filter((c) => c.job === j).length;
  }

  /** Seconds DuckDB spent exporting job `j`'s chunks. */
  exportSeconds(j: number): number {
    return Math.round(this.chunks.filter((c) => c.job === j).reduce((s, c) => s + c.seconds, 0) * 100) / 100;
  }

  private startNext(): void {
    if (this.stopped || this.started >= this.chunks.length) return;
    const chunk = this.chunks[this.started++]!;
    this.chain = this.chain.then(async () => {
      if (this.stopped) throw new Error('export stopped');
      const t = performance.now();
      await this.db.run(`COPY (${chunk.sql}) TO ${literal(chunk.file)} (FORMAT csv, HEADER false)`, chunk.params);
      chunk.seconds = (performance.now() - t) / 1000;
    });
    const done = this.chain;
    // Awaited by the reader when it comes to this chunk; a failure before then is not an unhandled rejection.
    done.catch(() => undefined);
    this.done.push(done);
  }

  /** Job `j`'s rows as the bytes of its CSV chunks, in order, each chunk removed once read and the next export started. */
  async *read(j: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      if (chunk.job !== j) continue;
      await this.done[i];
      for await (const bytes of createReadStream(chunk.file, { highWaterMark: 1 << 20 })) yield bytes as Buffer;
      rmSync(chunk.file, { force: true });
      this.startNext();
    }
  }

  /** Stops exporting and waits for the export under way (its failure is the reader's to report, not this). */
  async close(): Promise<void> {
    this.stopped = true;
    await this.chain.catch(() => undefined);
  }
}

/**
 * Bounds that cut `table`'s `column` into ranges of about `rows` rows
 * each (ascending, distinct; none when the table fits in one).
 */
export async function rangeBounds(db: Database, table: string, column: string, rows: number): Promise<string[]> {
  const n = Number((await db.one<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))!.n);
  const k = Math.min(64, Math.ceil(n / rows));
  if (k <= 1) return [];
  const fractions = Array.from({ length: k - 1 }, (_, i) => (i + 1) / k);
  const found = await db.all<{ b: string }>(`SELECT DISTINCT unnest(b) AS b FROM (SELECT quantile_disc(${column}, [${fractions.join(', ')}]) AS b FROM ${table}) ORDER BY b`);
  return found.map((r) => r.b);
}
