-- The last 13 months of kpis_monthly, newest first.
SELECT strftime(month, '%Y-%m') AS month, revenue, orders, customers_active, customers_total,
  vips_active, vips_total, churn_rate, mom_growth, yoy_growth, is_partial_month
FROM kpis_monthly ORDER BY month DESC LIMIT 13
