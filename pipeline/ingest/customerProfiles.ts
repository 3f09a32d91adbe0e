import type { Database } from '../db/Database.js';
import { checkedFull } from './validateStage.js';

/** The customer's attributes an order may carry (a hosted shop's export), kept on the order. */
export const ORDER_CUSTOMER_COLUMNS = ['customer_name', 'customer_country', 'accepts_marketing'] as const;

/**
 * Keeps on each order of temp table `checked` (its usable lines, inside the
 * merge's transaction) the customer's attributes it carries: the values of
 * its first line.
 */
export async function recordOrderCustomers(db: Database): Promise<void> {
  const full = await checkedFull(db);
  await db.run(`UPDATE orders SET customer_name = a.customer_name, customer_country = a.customer_country, accepts_marketing = a.accepts_marketing
    FROM (SELECT order_id, first(customer_name ORDER BY line) AS customer_name, first(customer_country ORDER BY line) AS customer_country,
            first(accepts_marketing ORDER BY line) AS accepts_marketing
          FROM ${full} WHERE status IN ('ok', 'duplicate') GROUP BY order_id) a
    WHERE orders.order_id = a.order_id`);
}

/**
 * The profile of every customer no customers file gives, from their orders
 * (rows of `customers` marked from_orders, rebuilt each time): each
 * attribute its latest order's value that holds one; country the billing
 * country, name the billing name, and opted_out when the latest order says
 * the customer does not accept marketing (never contacted, never invited).
 * A customer a customers file gives keeps that file's profile.
 */
export async function profileCustomersFromOrders(db: Database): Promise<number> {
  await db.run('DELETE FROM customers WHERE from_orders');
  await db.run(`INSERT INTO customers (customer_id, country, opted_out, name, from_orders, source_file, source_line, loaded_run)
    SELECT customer_id,
      arg_max(customer_country, order_ts) FILTER (WHERE customer_country IS NOT NULL),
      NOT arg_max(accepts_marketing, order_ts) FILTER (WHERE accepts_marketing IS NOT NULL),
      arg_max(customer_name, order_ts) FILTER (WHERE customer_name IS NOT NULL),
      true, arg_max(source_file, order_ts), arg_max(source_line, order_ts), arg_max(loaded_run, order_ts)
    FROM orders
    WHERE customer_id IS NOT NULL AND (customer_country IS NOT NULL OR accepts_marketing IS NOT NULL OR customer_name IS NOT NULL)
      AND customer_id NOT IN (SELECT customer_id FROM customers)
    GROUP BY customer_id ORDER BY customer_id`);
  return (await db.value<number>('SELECT count(*) FROM customers WHERE from_orders'))!;
}
