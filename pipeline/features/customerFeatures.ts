import { dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/** The tables a feature query reads its orders, order lines and tickets from: the whole tables, or a sample's copies. */
export interface FeatureSources {
  orders: string;
  lines: string;
  tickets: string;
}

export const ALL_ROWS: FeatureSources = { orders: 'orders', lines: 'order_lines', tickets: 'tickets' };

/** customer_features.sql's parameters: features as of `asOf` from `sources`. */
export const featureParams = (asOf: string, sources: FeatureSources = ALL_ROWS) => ({
  as_of: dateParam(asOf), orders: sources.orders, lines: sources.lines, tickets: sources.tickets,
});

/**
 * Builds table `customer_features` (or the temp table `temp`): one row per
 * customer known at `asOf`, from rows dated on or before it (see
 * customer_features.sql for every column). Returns its row count.
 */
export async function buildFeatures(db: Database, asOf: string, sources: FeatureSources = ALL_ROWS, temp?: string): Promise<number> {
  const target = temp ?? 'customer_features';
  await db.run(`CREATE OR REPLACE ${temp ? 'TEMP ' : ''}TABLE ${target} AS ${readSql('features/customer_features.sql')}`, featureParams(asOf, sources));
  return db.value<number>(`SELECT count(*) FROM ${target}`);
}
