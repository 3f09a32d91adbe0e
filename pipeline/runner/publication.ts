import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Atomic publication of an output folder. `--out DIR` is a symbolic link
 * to a release folder beside it (`.DIR.releases/<run_id>`); a run writes
 * its whole release under a `.partial` name, then renames it and swaps the
 * link in one rename(2). A reader resolving DIR sees the previous release
 * or the new one, never a mix; a run killed before the swap leaves the
 * previous release published and a `.partial` folder that the next run
 * removes.
 */
export class Publication {
  readonly out: string;
  readonly releases: string;

  constructor(outDir: string) {
    this.out = resolve(outDir);
    this.releases = join(dirname(this.out), `.${basename(this.out)}.releases`);
  }

  /** Fails fast when DIR is a folder fidelio did not make; removes a killed run's leftovers. Returns what it removed. */
  prepare(): string[] {
    if (existsSync(this.out) && !lstatSync(this.out).isSymbolicLink()) {
      const entries = readdirSync(this.out);
      if (entries.length > 0) {
        throw new UsageError(
          `--out ${this.out} is a folder that fidelio did not publish (it holds ${entries.length} entries); choose another --out or empty it`,
        );
      }
      rmSync(this.out, { recursive: true });
    }
    mkdirSync(this.releases, { recursive: true });
    const removed: string[] = [];
    for (const name of readdirSync(this.releases)) {
      if (name.endsWith('.partial')) {
        rmSync(join(this.releases, name), { recursive: true, force: true });
        removed.push(name);
      }
    }
    // A link made by a run killed between creating it and renaming it over DIR.
    for (const name of readdirSync(dirname(this.out))) {
      if (name.startsWith(`.${basename(this.out)}.next-`)) {
        rmSync(join(dirname(this.out), name), { force: true });
        removed.push(name);
      }
    }
    return removed;
  }

  /** The folder a run writes its release into. */
  staging(runId: string): string {
    const dir = join(this.releases, `${runId}.partial`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Removes a run's unfinished release, if it staged one (a run stopped by a signal cleans up after itself). */
  discard(runId: string): void {
    rmSync(join(this.releases, `${runId}.partial`), { recursive: true, force: true });
  }

  /** Publishes the staged release at once and keeps the newest `keep` releases. */
  commit(runId: string, keep = 3): string {
    const final = join(this.releases, runId);
    renameSync(this.staging(runId), final);
    const link = join(dirname(this.out), `.${basename(this.out)}.next-${runId}`);
    rmSync(link, { force: true });
    symlinkSync(relative(dirname(this.out), final), link, 'dir');
    renameSync(link, this.out);
    const current = this.current();
    const finished = readdirSync(this.releases).filter((n) => !n.endsWith('.partial') && !n.startsWith('.') && !n.startsWith('failed-')).sort();
    for (const name of finished.slice(0, Math.max(0, finished.length - keep))) {
      if (name !== current) rmSync(join(this.releases, name), { recursive: true, force: true });
    }
    return final;
  }

  /** The run id of the published release, if any. */
  current(): string | undefined {
    if (!existsSync(this.out) || !lstatSync(this.out).isSymbolicLink()) return undefined;
    return basename(readlinkSync(this.out));
  }
}
