-- fidelio serve, a customer's page: every order the working database holds
-- for the customer (refunds as negative amounts), oldest first, for the time
-- line and the table. Later orders than the publication's as_of are shown
-- too; the page marks the as_of date.
SELECT order_id, order_date, CAST(amount AS DOUBLE) AS amount, currency, category, channel, line_count
FROM orders
WHERE customer_id = $customer_id
ORDER BY order_ts, order_id
