import { literal, type Database } from '../db/Database.js';
import { checkedFull } from './validateStage.js';

export type StatusMeaning = 'sale' | 'not_sale';

/**
 * What an order's status means when the configuration does not say
 * (formats.orders.statuses): the financial and order statuses of the
 * common shop platforms. An order paid and then refunded was a sale (its
 * refund is taken off it); one voided, cancelled, pending, expired or
 * only authorized never became one.
 */
export const DEFAULT_ORDER_STATUSES: Record<string, StatusMeaning> = {
  paid: 'sale', partially_paid: 'sale', partially_refunded: 'sale', refunded: 'sale', completed: 'sale', complete: 'sale',
  fulfilled: 'sale', shipped: 'sale', delivered: 'sale', closed: 'sale', processing: 'sale',
  pending: 'not_sale', voided: 'not_sale', void: 'not_sale', cancelled: 'not_sale', canceled: 'not_sale', expired: 'not_sale',
  authorized: 'not_sale', failed: 'not_sale', declined: 'not_sale', abandoned: 'not_sale', draft: 'not_sale',
};

/** A status value as it is compared: trimmed, lower case, spaces and dashes as underscores ("Partially Refunded" is partially_refunded). */
export const statusKey = (sql: string) => `regexp_replace(lower(trim(${sql})), '[\\s-]+', '_', 'g')`;
export const normalStatus = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');

/**
 * The statuses a run reads: the configured ones (formats.orders.statuses)
 * over the defaults, so that a word a later export brings that the
 * configuration did not list (its first refund) is still known; a listed
 * word overrides its default.
 */
export function orderStatuses(configured: Record<string, StatusMeaning> | undefined): Record<string, StatusMeaning> {
  const out: Record<string, StatusMeaning> = { ...DEFAULT_ORDER_STATUSES };
  for (const [status, meaning] of Object.entries(configured ?? {})) out[normalStatus(status)] = meaning;
  return out;
}

const listOf = (statuses: Record<string, StatusMeaning>, meaning: StatusMeaning) =>
  Object.entries(statuses).filter(([, m]) => m === meaning).map(([s]) => literal(normalStatus(s)));

/**
 * Rejects (in temp table `checked`) the usable lines whose order_status is
 * none of `statuses` (orderStatuses): an order whose status is not known is
 * neither counted as a sale nor left out unsaid.
 */
export async function rejectUnknownStatuses(db: Database, statuses: Record<string, StatusMeaning>): Promise<void> {
  const known = [...listOf(statuses, 'sale'), ...listOf(statuses, 'not_sale')];
  await db.run(`UPDATE checked SET status = 'rejected', reason_class = 'order_status_unknown',
      reason = 'order_status ''' || left(order_status, 60) || ''' is not a status fidelio knows: say in formats.orders.statuses whether it is a sale or not_sale'
    WHERE status = 'ok' AND order_status IS NOT NULL AND ${statusKey('order_status')} NOT IN (${known.join(', ')})`);
}

export interface LeftOut {
  orders: number;
  lines: number;
}

/**
 * Sets aside (inside the merge's transaction) the orders of temp table
 * `checked` whose status is not a sale: their lines are marked `left_out`
 * (the merge takes only 'ok' lines), the orders are kept in
 * orders_left_out with their status and amount, and an order stored before
 * as a sale (paid, then voided) is taken out of orders and order_lines. An
 * order of the file that is a sale leaves orders_left_out (pending, then
 * paid). Amounts are the export's (order_total when given, else the lines'
 * sum), in the order's own currency.
 */
export async function setAsideNonSales(db: Database, statuses: Record<string, StatusMeaning>, path: string, runId: string): Promise<LeftOut> {
  const notSale = listOf(statuses, 'not_sale');
  const full = await checkedFull(db);
  await db.run(`CREATE OR REPLACE TEMP TABLE not_sales AS
    SELECT order_id, first(customer_id ORDER BY line) AS customer_id, min(order_ts) AS order_ts,
      coalesce(first(order_total ORDER BY line) FILTER (WHERE order_total IS NOT NULL), sum(amount)) AS amount,
      first(currency ORDER BY line) AS currency, first(${statusKey('order_status')} ORDER BY line) AS order_status,
      min(line) AS first_line, count(*) AS lines
    FROM ${full} WHERE status = 'ok' AND order_status IS NOT NULL
    GROUP BY order_id HAVING first(${statusKey('order_status')} ORDER BY line) IN (${notSale.length ? notSale.join(', ') : 'NULL'})`);
  await db.run(`DELETE FROM orders WHERE order_id IN (SELECT order_id FROM not_sales);
    DELETE FROM order_lines WHERE order_id IN (SELECT order_id FROM not_sales);
    DELETE FROM orders_left_out WHERE order_id IN (SELECT order_id FROM checked WHERE status = 'ok')`);
  await db.run(`INSERT INTO orders_left_out (order_id, customer_id, order_ts, order_date, amount, currency, order_status, source_file, source_line, loaded_run)
    SELECT order_id, customer_id, order_ts, ${db.dateOf('order_ts')}, amount, currency, order_status, $file, first_line, $run_id FROM not_sales ORDER BY first_line`,
  { file: path, run_id: runId });
  await db.run(`UPDATE checked SET status = 'left_out' WHERE status = 'ok' AND order_id IN (SELECT order_id FROM not_sales)`);
  const r = (await db.one<{ orders: number; lines: number }>('SELECT count(*) AS orders, coalesce(sum(lines), 0) AS lines FROM not_sales'))!;
  await db.run('DROP TABLE not_sales');
  return { orders: Number(r.orders), lines: Number(r.lines) };
}
