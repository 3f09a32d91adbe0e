-- What each customer of the calibration summary (a purchase on or before
-- $calibration_end) did in the holdout
-- ($calibration_end, $holdout_end]: distinct transaction days and net spend,
-- in the summary's customer order.
SELECT s.customer_id, CAST(count(DISTINCT t.order_date) AS DOUBLE) AS purchases, coalesce(CAST(sum(t.amount) AS DOUBLE), 0) AS spend
FROM (SELECT customer_id FROM tx WHERE order_date <= $calibration_end AND amount >= 0 GROUP BY customer_id) s
LEFT JOIN tx t ON t.customer_id = s.customer_id AND t.order_date > $calibration_end AND t.order_date <= $holdout_end
GROUP BY s.customer_id ORDER BY s.customer_id
