import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this module holding package.json (works from source and from dist/). */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('fidelio: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

const cache = new Map<string, string>();

/** Reads a SQL file kept beside the pipeline's source, e.g. `features/customer_features.sql`. */
export function readSql(pathInPipeline: string): string {
  let sql = cache.get(pathInPipeline);
  if (sql === undefined) {
    sql = readFileSync(join(packageRoot, 'pipeline', pathInPipeline), 'utf8');
    cache.set(pathInPipeline, sql);
  }
  return sql;
}

/**
 * readSql's text with `marker` (a comment the file holds where a caller puts its own SQL) replaced by
 * `replacement`; a file that has lost its marker is an error, not the query without the caller's part.
 */
export function readSqlWith(pathInPipeline: string, marker: string, replacement: string): string {
  const sql = readSql(pathInPipeline);
  if (!sql.includes(marker)) throw new Error(`${pathInPipeline} has lost its marker ${marker}`);
  return sql.replace(marker, replacement);
}
