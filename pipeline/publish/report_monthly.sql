-- Revenue, active customers and active VIPs of the last 24 months, for the charts.
SELECT strftime(month, '%Y-%m') AS month, CAST(revenue AS DOUBLE) AS revenue, customers_active, vips_active
FROM kpis_monthly ORDER BY month DESC LIMIT 24
