import { pgIdent } from '../db/postgres.js';
import type { ColumnEntry, ColumnType, TableEntry } from '../shared/dataDictionary.js';

/**
 * The PostgreSQL side of the data dictionary: each published table's DDL
 * (typed columns, NOT NULL, primary key), its indexes (what `fidelio list`
 * and dashboards filter by) and its COMMENTs, all from the declarations.
 */

const PG_TYPES: Record<ColumnType, string> = {
  VARCHAR: 'text',
  DATE: 'date',
  'TIMESTAMP WITH TIME ZONE': 'timestamp with time zone',
  DOUBLE: 'double precision',
  BIGINT: 'bigint',
  INTEGER: 'integer',
  HUGEINT: 'numeric',
  BOOLEAN: 'boolean',
  'DECIMAL(38,2)': 'numeric',
};

/** A column's PostgreSQL type as information_schema.columns.data_type names it. */
export function pgType(c: ColumnEntry): string {
  return c.pgType ?? PG_TYPES[c.type];
}

/** An index beyond the key: its columns, and for a partial index the flag column its rows must have true. */
export interface PgIndex {
  columns: readonly string[];
  where?: string;
}

/**
 * Indexes beyond the primary key: what the lists and the BI queries filter
 * and sort by, where an index is what the server would use. Each costs its
 * share of every scheduled publication (the server keeps it up row by row
 * as a million scores are replaced), so the VIPs' index holds the VIPs
 * only (a partial index: `WHERE is_vip` queries use it, the others never
 * did).
 */
export const PG_INDEXES: Record<string, readonly PgIndex[]> = {
  customer_scores: [{ columns: ['action', 'action_priority'] }, { columns: ['churn_risk'], where: 'is_vip' }],
  customers: [{ columns: ['country'] }],
  customer_scores_history: [{ columns: ['customer_id'] }, { columns: ['as_of'] }],
};

/**
 * Indexes earlier versions made and this one drops from a publication it
 * keeps: on `segment` (about a tenth of the customers each) and
 * `value_tier` (a fifth each) PostgreSQL scans the table rather than the
 * index (EXPLAIN at a million customers: a parallel sequential scan for
 * `segment = 'champions'` and for `value_tier = 1`), so they only slowed
 * the publication; `(is_vip, churn_risk)` over every customer gave way to
 * the VIPs' partial index. Only these names are dropped; an index a DBA
 * added stays.
 */
export const RETIRED_INDEXES: Record<string, readonly PgIndex[]> = {
  customer_scores: [{ columns: ['segment'] }, { columns: ['value_tier'] }, { columns: ['is_vip', 'churn_risk'] }],
};

/** An index's name: the table, its columns and, for a partial one, `where_` and its flag. */
export const indexName = (table: string, index: PgIndex) => `${table}_${index.columns.join('_')}${index.where ? `_where_${index.where}` : ''}_idx`;

/** Tables whose rows accumulate run after run (this run's rows are added); the others are replaced whole. */
export const APPENDED = new Set(['customer_scores_history', 'model_metrics', 'runs']);

/** The tables published into PostgreSQL, in the dictionary's order. */
export function pgTables(dictionary: readonly TableEntry[]): TableEntry[] {
  return dictionary.filter((t) => t.sinks.includes('postgres'));
}

/** CREATE TABLE (UNLOGGED for a staging table no crash needs) for `entry` in `schema`: typed columns, NOT NULL where declared and on the key's columns (the key itself comes with primaryKeySql, once the rows are in). */
export function createTableSql(schema: string, entry: TableEntry, options: { unlogged?: boolean } = {}): string {
  const cols = entry.columns.map((c) => `${pgIdent(c.name)} ${pgType(c)}${c.notNull || entry.key.includes(c.name) ? ' NOT NULL' : ''}`);
  return `CREATE ${options.unlogged ? 'UNLOGGED ' : ''}TABLE ${pgIdent(schema)}.${pgIdent(entry.name)} (\n  ${cols.join(',\n  ')}\n)`;
}

/** The key as primary key (named `<table>_pkey`, as PostgreSQL names it); rejected_rows has none (a line may be carried). */
export function primaryKeySql(schema: string, entry: TableEntry): string[] {
  return entry.key.length && entry.name !== 'rejected_rows'
    ? [`ALTER TABLE ${pgIdent(schema)}.${pgIdent(entry.name)} ADD PRIMARY KEY (${entry.key.map(pgIdent).join(', ')})`]
    : [];
}

/** CREATE INDEX statements for `entry` (named by indexName); CONCURRENTLY IF NOT EXISTS for a table an earlier publication made, outside its transaction. */
export function createIndexSql(schema: string, entry: TableEntry, options: { concurrently?: boolean } = {}): string[] {
  return (PG_INDEXES[entry.name] ?? []).map((index) => indexSql(schema, entry.name, index, options));
}

/** CREATE INDEX for one index of `table`. */
export function indexSql(schema: string, table: string, index: PgIndex, options: { concurrently?: boolean } = {}): string {
  return `CREATE INDEX ${options.concurrently ? 'CONCURRENTLY IF NOT EXISTS ' : ''}${pgIdent(indexName(table, index))} ON ${pgIdent(schema)}.${pgIdent(table)} (${index.columns.map(pgIdent).join(', ')})${index.where ? ` WHERE ${pgIdent(index.where)}` : ''}`;
}

/** DROP INDEX IF EXISTS for index `name` of `schema` (CONCURRENTLY: outside a transaction, readers never blocked). */
export function dropIndexSql(schema: string, name: string, options: { concurrently?: boolean } = {}): string {
  return `DROP INDEX ${options.concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${pgIdent(schema)}.${pgIdent(name)}`;
}

const text = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** COMMENT ON the table and every column, from the dictionary's meanings. */
export function commentSql(schema: string, entry: TableEntry): string[] {
  const table = `${pgIdent(schema)}.${pgIdent(entry.name)}`;
  return [
    `COMMENT ON TABLE ${table} IS ${text(entry.meaning)}`,
    ...entry.columns.map((c) => `COMMENT ON COLUMN ${table}.${pgIdent(c.name)} IS ${text(c.meaning)}`),
  ];
}
