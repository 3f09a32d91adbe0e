import { existsSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Database } from '../db/Database.js';
import { InputError } from '../errors.js';

/** One publication, open read-only for one request. */
export interface Snapshot {
  db: Database;
  /** The release folder (its name is the run id that published it). */
  release: string;
  runId: string;
}

interface Open {
  db: Database;
  users: number;
}

/**
 * The last publication of an output folder, read-only. `--out` is a link
 * that a run swaps in one rename to a new, complete release folder; each
 * request resolves the link once and reads that release's database copy
 * for all its queries, so a run publishing while the page is open shows the
 * previous publication or the new one, never half of each. A release is
 * opened once and closed when a newer one is published and its last
 * request has finished. The working database is never held open (a run
 * needs it).
 */
export class PublishedData {
  private readonly open = new Map<string, Open>();
  private closed = false;

  constructor(readonly out: string) {}

  /** The release the link points at now; an input error when nothing was published. */
  release(): string {
    const file = join(this.out, 'fidelio.duckdb');
    if (!existsSync(file)) throw new InputError(`${this.out} holds no publication (no fidelio.duckdb): run "fidelio run" first, or point --out at the folder a run published`);
    return realpathSync(this.out);
  }

  /** Runs `body` on the publication as it is now; the release stays open until `body` ends. */
  async with<T>(body: (s: Snapshot) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the publication is closed: the server is stopping');
    const release = this.release();
    let entry = this.open.get(release);
    if (!entry) {
      entry = { db: await Database.open(join(release, 'fidelio.duckdb'), { readOnly: true }), users: 0 };
      // Two requests may have opened it at once: keep one.
      const raced = this.open.get(release);
      if (raced) {
        entry.db.close();
        entry = raced;
      } else this.open.set(release, entry);
    }
    entry.users++;
    try {
      return await body({ db: entry.db, release, runId: basename(release) });
    } finally {
      entry.users--;
      this.sweep();
    }
  }

  /** Closes the releases no longer published that no request is reading. */
  private sweep(): void {
    let now: string | undefined;
    try {
      now = realpathSync(this.out);
    } catch {
      now = undefined;
    }
    for (const [release, entry] of this.open) {
      if ((release !== now || this.closed) && entry.users === 0) {
        this.open.delete(release);
        entry.db.close();
      }
    }
  }

  /** The releases open now (one, unless a request still reads an older one). */
  openReleases(): string[] {
    return [...this.open.keys()];
  }

  /** Closes every release no request is reading; one still read closes when its last reader ends (a database is never closed under a query). */
  close(): void {
    this.closed = true;
    this.sweep();
  }
}
