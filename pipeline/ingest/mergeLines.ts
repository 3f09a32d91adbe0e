import type { Database } from '../db/Database.js';
import { forgetReplacedLoads } from './loadedFiles.js';
import { recordRejects, type MergeCounts } from './mergeChecked.js';
import { checkedFull } from './validateStage.js';

/** A line-items file's figures at the order level, beside the line counts. */
export interface LineMergeCounts extends MergeCounts {
  orders_new: number;
  orders_updated: number;
}

/** An order's fields compared with the stored order to tell a repeat from a change. */
/** A line's fields, hashed into its order's lines_hash. */
const LINE_FIELDS = 'product_id, product_name, category, quantity, unit_price, amount, order_ts, channel, discount_used, currency';

const ORDER_FIELDS = ['customer_id', 'order_ts', 'amount_original', 'currency', 'category', 'channel', 'discount_used', 'line_count', 'lines_hash'];

/**
 * The lines of one order must agree on its customer and currency: an
 * order whose lines name several is rejected whole, each line saying so.
 */
export async function rejectDisagreeingOrders(db: Database): Promise<void> {
  const full = await checkedFull(db);
  await db.run(`CREATE OR REPLACE TEMP TABLE disagreeing AS
    SELECT order_id, string_agg(DISTINCT coalesce(customer_id, '(guest)'), ', ' ORDER BY coalesce(customer_id, '(guest)')) AS customers,
      count(DISTINCT coalesce(upper(currency), '')) AS currencies
    FROM ${full} WHERE status = 'ok' GROUP BY order_id
    HAVING count(DISTINCT coalesce(customer_id, '')) > 1 OR count(DISTINCT coalesce(upper(currency), '')) > 1`);
  await db.run(`UPDATE checked c SET status = 'rejected', reason_class = 'order_lines_disagree',
      reason = 'order_id ''' || left(c.order_id, 60) || ''' has lines of ' || CASE WHEN d.currencies > 1 THEN 'different currencies' ELSE 'different customers (' || left(d.customers, 120) || ')' END
    FROM disagreeing d WHERE c.order_id = d.order_id AND c.status = 'ok';
    DROP TABLE disagreeing`);
}

/**
 * Merges the lines of a line-items file (temp table `checked`, one row per
 * line, amounts per line) into order_lines and, an order per order_id, into
 * orders: its amount the sum of its lines (returns, with negative
 * quantities, deducted; an order whose net is negative is a refund), its
 * time the earliest line's, its category and channel those of its first
 * line; with the export's own order amount (order_total: a hosted shop's
 * subtotal or total) the order's amount is that, less its refunded_amount
 * (at least 0; without order_total, the lines' sum less it), and its lines
 * stay its basket. Every line counts, one repeating another of its order too
 * (the same item scanned twice). An order is the unit of a file sent again:
 * one stored with the same lines is a repeat (its lines count as duplicates);
 * one stored with other lines is replaced, lines and all.
 * Amounts in another currency are converted line by line through `fx`.
 * `pendingLines`: recordRejects'; `disagreeingRejected`: the caller already
 * rejected the orders whose lines disagree (rejectDisagreeingOrders).
 */
export async function mergeLines(db: Database, path: string, runId: string, pendingLines?: string, disagreeingRejected = false): Promise<LineMergeCounts> {
  if (!disagreeingRejected) await rejectDisagreeingOrders(db);
  await recordRejects(db, 'orders', path, runId, pendingLines);
  const full = await checkedFull(db);
  await db.run(`CREATE OR REPLACE TEMP TABLE file_lines AS
    SELECT c.*, CAST(c.amount * coalesce(fx.rate, 1) AS DECIMAL(18, 2)) AS amount_converted, coalesce(fx.rate, 1) AS fx_rate
    FROM ${full} c LEFT JOIN fx ON fx.currency = upper(c.currency) WHERE c.status = 'ok'`);
  // A line repeated in its order counts each time: its k-th copy hashes with k, so that an order's hash tells [a, a] from [] (bit_xor
  // cancels pairs); a line's first copy hashes as before, so orders stored by earlier versions still match.
  await db.run(`CREATE OR REPLACE TEMP TABLE file_lines AS
    SELECT *, row_number() OVER (PARTITION BY order_id, ${LINE_FIELDS} ORDER BY line) AS nth FROM file_lines`);
  // With the export's own order amount (order_total) or refunds (refunded_amount): that amount (else the lines' sum) less
  // the refunds, at least 0, is the order's, whatever its lines sum to; without them, the lines' sum as it is.
  const first = (c: string) => `first(${c} ORDER BY line) FILTER (WHERE ${c} IS NOT NULL)`;
  const statedGross = `CASE WHEN count(order_total) > 0 OR count(refunded_amount) > 0 THEN coalesce(${first('order_total')}, sum(amount)) END`;
  const stated = `CASE WHEN count(order_total) > 0 OR count(refunded_amount) > 0
    THEN greatest(coalesce(${first('order_total')}, sum(amount)) - coalesce(${first('refunded_amount')}, 0), 0) END`;
  // What the refunds took off (the gross less the net kept as the amount), so that the KPIs tell the sale from its refund.
  const convertedNet = `CAST(${stated} * any_value(fx_rate) AS DECIMAL(18, 2))`;
  const refunded = `CAST(${statedGross} * any_value(fx_rate) AS DECIMAL(18, 2)) - ${convertedNet}`;
  await db.run(`CREATE OR REPLACE TEMP TABLE file_orders AS
    SELECT order_id, any_value(customer_id) AS customer_id, min(order_ts) AS order_ts,
      coalesce(${convertedNet}, sum(amount_converted)) AS amount, ${refunded} AS amount_refunded,
      coalesce(${stated}, sum(amount)) AS amount_original, any_value(currency) AS currency,
      first(category ORDER BY line) FILTER (WHERE category IS NOT NULL) AS category,
      first(channel ORDER BY line) FILTER (WHERE channel IS NOT NULL) AS channel,
      bool_or(discount_used) AS discount_used, CAST(count(*) AS INTEGER) AS line_count,
      bit_xor(CASE WHEN nth = 1 THEN hash(${LINE_FIELDS}) ELSE hash(${LINE_FIELDS}, nth) END) AS lines_hash,
      min(line) AS first_line
    FROM file_lines GROUP BY order_id`);
  const same = ORDER_FIELDS.map((f) => `s.${f} IS NOT DISTINCT FROM o.${f}`).join(' AND ');
  await db.run(`CREATE OR REPLACE TEMP TABLE merge_plan AS
    SELECT o.*, CASE WHEN s.order_id IS NULL THEN 'new' WHEN ${same} THEN 'duplicate' ELSE 'updated' END AS outcome
    FROM file_orders o LEFT JOIN orders s USING (order_id)`);
  await forgetReplacedLoads(db, 'orders', 'order_id', runId);
  await db.run(`DELETE FROM orders WHERE order_id IN (SELECT order_id FROM merge_plan WHERE outcome = 'updated');
    DELETE FROM order_lines WHERE order_id IN (SELECT order_id FROM merge_plan WHERE outcome = 'updated')`);
  const params = { file: path, run_id: runId };
  await db.run(`INSERT INTO orders (order_id, customer_id, order_ts, order_date, amount, amount_refunded, amount_original, currency, category, channel,
      discount_used, line_count, lines_hash, source_file, source_line, loaded_run)
    SELECT order_id, customer_id, order_ts, ${db.dateOf('order_ts')}, amount, amount_refunded, amount_original, currency, category, channel,
      discount_used, line_count, lines_hash, $file, first_line, $run_id
    FROM merge_plan WHERE outcome IN ('new', 'updated') ORDER BY first_line`, params);
  await db.run(`INSERT INTO order_lines (order_id, customer_id, order_ts, order_date, product_id, product_name, category, quantity, unit_price,
      amount, amount_original, currency, channel, discount_used, source_file, source_line, loaded_run)
    SELECT l.order_id, l.customer_id, l.order_ts, ${db.dateOf('l.order_ts')}, l.product_id, l.product_name, l.category, l.quantity, l.unit_price,
      l.amount_converted, l.amount, l.currency, l.channel, l.discount_used, $file, l.line, $run_id
    FROM file_lines l JOIN merge_plan m USING (order_id) WHERE m.outcome IN ('new', 'updated') ORDER BY l.line`, params);
  const row = (await db.one<Record<string, number>>(`SELECT
      (SELECT count(*) FROM checked WHERE status = 'rejected') AS rows_rejected,
      (SELECT count(*) FROM checked WHERE status = 'duplicate') + coalesce(sum(line_count) FILTER (WHERE outcome = 'duplicate'), 0) AS rows_duplicate,
      coalesce(sum(line_count) FILTER (WHERE outcome = 'new'), 0) AS rows_new,
      coalesce(sum(line_count) FILTER (WHERE outcome = 'updated'), 0) AS rows_updated,
      count(*) FILTER (WHERE outcome = 'new') AS orders_new,
      count(*) FILTER (WHERE outcome = 'updated') AS orders_updated
    FROM merge_plan`))!;
  await db.run('DROP TABLE merge_plan; DROP TABLE file_orders; DROP TABLE file_lines');
  return {
    rows_accepted: row.rows_new! + row.rows_updated!,
    rows_rejected: row.rows_rejected!,
    rows_duplicate: row.rows_duplicate!,
    rows_new: row.rows_new!,
    rows_updated: row.rows_updated!,
    orders_new: row.orders_new!,
    orders_updated: row.orders_updated!,
  };
}
