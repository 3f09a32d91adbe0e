import { existsSync, renameSync } from 'node:fs';
import type { Config } from '../config.js';
import { Database, literal } from '../db/Database.js';
import { InputError, UsageError } from '../errors.js';
import { BTYD_SCORE_COLUMNS } from '../btyd/scoreBtyd.js';
import { initBackend } from '../learn/tfBackend.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import type { Logger } from '../log.js';
import { champion, loadModelVersion } from '../registry/registry.js';
import { actionRates } from './actionRates.js';
import { rankCustomers } from './rankCustomers.js';
import { scoreModels } from './scoreModels.js';
import { scoreParams } from './scoreParams.js';

/** The share `k` of `n` (0 <= k < n): the customers with hash(customer_id) % n = k. */
export interface Partition {
  k: number;
  n: number;
}

/** Parses "k/N" (0 <= k < N). */
export function parsePartition(text: string): Partition {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k >= n) throw new UsageError(`--part must be k/N with 0 <= k < N, such as 0/4; got "${text}"`);
  return { k, n };
}

/** The SQL condition that selects a partition's customers. */
export const partitionFilter = (p: Partition) => `hash(customer_id) % ${p.n} = ${p.k}`;

/** The model tables a partition file carries, and their columns (customer_scores.sql reads them). */
const MODEL_TABLES = {
  btyd_scores: BTYD_SCORE_COLUMNS,
  churn_scores: ['churn_probability'],
  neural_scores: ['network_churn_probability', 'network_predicted_value'],
} as const;
/** How each table's columns are read in a worker (neural_scores' own names are churn_probability and predicted_value). */
const SOURCE = {
  btyd_scores: (c: string) => `b.${c}`,
  churn_scores: (c: string) => `c.${c}`,
  neural_scores: (c: string) => `n.${c.replace('network_', '')}`,
} as const;

/**
 * One worker's share of scoring. The model part of scoring is independent
 * per customer, so N workers (processes of a scheduler, on one machine or
 * many) each score the customers with hash(customer_id) % N = k: the
 * working database is attached read-only (any number of workers can read
 * it at once, none can change it), the champion model is loaded from the
 * registry, and the share's figures are written to one Parquet file
 * (written beside and renamed, so a killed worker leaves no partial file).
 * Ranking the customers against each other (tiers, VIPs, actions) needs
 * everyone and is done once over the union (combinePartitions).
 */
export async function scorePartition(config: Config, part: Partition, out: string, log: Logger): Promise<{ customers: number; model_version: string; as_of: string }> {
  if (!existsSync(config.db)) throw new InputError(`${config.db} does not exist: run "fidelio run" first`);
  const db = await Database.open(':memory:', { ...config.duckdb, timezone: config.timezone });
  try {
    await db.run(`ATTACH ${literal(config.db)} AS working (READ_ONLY)`);
    // A table or a view (btyd_features is one).
    const has = async (table: string) => (await db.value<number>(`SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'working' AND table_name = $1`, [table])) > 0;
    for (const table of ['customer_features', 'btyd_features', 'model_registry']) {
      if (!(await has(table))) throw new InputError(`${config.db} has no ${table} yet: run "fidelio run" first`);
    }
    await db.run(`CREATE VIEW model_registry AS SELECT * FROM working.model_registry`);
    for (const table of ['orders', 'customer_features', 'btyd_features']) {
      await db.run(`CREATE VIEW ${table} AS SELECT * FROM working.${table} WHERE ${partitionFilter(part)}`);
    }
    const current = await champion(db);
    if (!current) throw new InputError(`${config.db} has no champion model: run "fidelio run" first`);
    const models = await loadModelVersion(current.path);
    if (models.neural) await initBackend(log);
    const asOf = (await db.value<string>('SELECT CAST(max(as_of) AS VARCHAR) FROM working.customer_features'))!;
    await scoreModels(db, models, asOf, scoreParams(config));
    const partial = `${out}.partial`;
    const columns = Object.entries(MODEL_TABLES).flatMap(([table, cols]) => cols.map((c) => `${SOURCE[table as keyof typeof SOURCE](c)} AS ${c}`));
    await db.run(`COPY (SELECT f.customer_id, ${literal(models.version)} AS model_version, ${columns.join(', ')}
      FROM customer_features f LEFT JOIN btyd_scores b USING (customer_id) LEFT JOIN churn_scores c USING (customer_id)
      LEFT JOIN neural_scores n USING (customer_id) ORDER BY f.customer_id) TO ${literal(partial)} (FORMAT parquet)`);
    renameSync(partial, out);
    const customers = await db.value<number>(`SELECT count(*) FROM read_parquet(${literal(out)})`);
    log.info({ part: `${part.k}/${part.n}`, customers, model_version: models.version, out }, 'partition scored');
    return { customers, model_version: models.version, as_of: asOf };
  } finally {
    db.close();
  }
}

/**
 * Gathers the workers' files (a glob) into the working database's model
 * tables, checking that they cover every customer of customer_features
 * once and were scored by `models`, then ranks everyone (rankCustomers):
 * the same customer_scores as one process scoring all.
 */
export async function combinePartitions(db: Database, parts: string, models: TrainedModels, config: Config): Promise<number> {
  const source = `read_parquet(${literal(parts)})`;
  const check = await db.one<{ rows: number; customers: number; expected: number; covered: number; versions: string }>(`SELECT
      count(*) AS rows, count(DISTINCT customer_id) AS customers, (SELECT count(*) FROM customer_features) AS expected,
      (SELECT count(*) FROM customer_features WHERE customer_id IN (SELECT customer_id FROM ${source})) AS covered,
      string_agg(DISTINCT model_version, ', ') AS versions
    FROM ${source}`);
  const c = check!;
  if (c.rows !== c.customers || c.covered !== c.expected || c.customers !== c.expected) {
    throw new InputError(`the partition files ${parts} hold ${c.rows} rows for ${c.customers} customers, ${c.covered} of the ${c.expected} to score: a part is missing, repeated or from another run`);
  }
  if (c.versions !== models.version) throw new InputError(`the partition files were scored by ${c.versions}, not the champion ${models.version}`);
  for (const [table, cols] of Object.entries(MODEL_TABLES)) {
    const select = cols.map((c) => `${c} AS ${c.replace('network_', '')}`).join(', ');
    // btyd_scores is a view after a run that scored in one process (scoreModels): a table of the partitions' figures replaces it.
    if (await db.isView(table)) await db.run(`DROP VIEW ${table}`);
    await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT customer_id, ${select} FROM ${source}`);
  }
  const p = scoreParams(config);
  // The budget's rates as one process would have them (measured where known).
  const asOf = await db.value<string>('SELECT CAST(max(as_of) AS VARCHAR) FROM customer_features');
  return rankCustomers(db, models, p, undefined, undefined, await actionRates(db, asOf, p.horizonDays, p.scoring));
}
