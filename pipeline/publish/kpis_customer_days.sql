-- kpis_customer_days: each customer's purchase days (orders with amount >= 0) on or before $as_of,
-- distinct and in date order: every per-customer count of kpis_monthly.sql (active and new
-- customers, churn, the churn rate's base) reads them and nothing else of the orders. Grouped per
-- customer, each customer's few days sorted within the group: no sort of every order by customer.
-- kpisCustomerDays.ts keeps the lists from run to run and builds again, from their orders, only
-- the customers whose orders changed or who bought since (their orders alone: the marker below).
SELECT customer_id, list_sort(list_distinct(list(order_date))) AS days
FROM orders
WHERE customer_id IS NOT NULL AND amount >= 0 AND order_date <= $as_of /* touched customers */
GROUP BY customer_id
