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
