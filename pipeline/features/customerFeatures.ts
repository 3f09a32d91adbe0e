import { dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { forgetBtydFeatures } from './btydFeaturesView.js';

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
  // btyd_features pairs its figures with customer_features' rows by position: gone with the rows it was made for.
  if (!temp) await forgetBtydFeatures(db);
  await withMoney((money) => {
    const sql = moneySql('features/customer_features.sql', money);
    return temp ? db.run(`CREATE OR REPLACE TEMP TABLE ${target} AS ${sql}`, featureParams(asOf, sources)) : db.replaceTablePlainText(target, sql, featureParams(asOf, sources));
  });
  return db.value<number>(`SELECT count(*) FROM ${target}`);
}

/** The type customer_features and training_snapshots store their sums of money in: an order's amount's, DECIMAL(18, 2); WIDE_MONEY where a sum does not fit. */
export const MONEY = 'DECIMAL(18, 2)';
export const WIDE_MONEY = 'DECIMAL(38, 2)';

/** A features query (customer_features.sql, training_snapshots.sql) with its sums of money stored as `money`. */
export const moneySql = (file: string, money: string) => readSql(file).replaceAll('AS MONEY)', `AS ${money})`);

/**
 * Runs `build` with the sums of money as MONEY, or, when a customer's sum
 * does not fit it (beyond 16 digits before the point: no real shop's, but
 * the orders' amounts themselves fit), again as WIDE_MONEY, the exact sums'
 * own type: the same figures, read more slowly.
 */
export async function withMoney(build: (money: string) => Promise<unknown>): Promise<void> {
  try {
    await build(MONEY);
  } catch (err) {
    if (!moneyOverflow(err)) throw err;
    await build(WIDE_MONEY);
  }
}

/** Whether `err` is DuckDB refusing a sum of money too large for MONEY. */
export function moneyOverflow(err: unknown): boolean {
  const message = String((err as Error)?.message);
  return /Conversion Error/.test(message) && /DECIMAL\(18,\s*2\)/.test(message);
}
