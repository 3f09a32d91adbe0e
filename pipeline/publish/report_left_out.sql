-- The orders that never became sales (orders_left_out: voided, pending,
-- cancelled, as formats.orders.statuses says), by status: how many, and
-- their amount in the orders' own currency. They are in no figure of the
-- run; this says how many were left out.
SELECT order_status, count(*) AS orders, sum(amount) AS amount
FROM orders_left_out GROUP BY order_status ORDER BY orders DESC, order_status
