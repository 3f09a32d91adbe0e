-- Did the actions work? For every earlier run whose horizon has passed by this run's as_of,
-- the churn (no purchase in (as_of, as_of + $horizon]) of the customers contacted for each
-- action against that action's control group, who were not contacted.
SELECT h.run_id, CAST(h.as_of AS VARCHAR) AS as_of, h.action,
  count(*) FILTER (WHERE h.contact) AS treated,
  count(*) FILTER (WHERE h.is_control) AS control,
  avg(CASE WHEN o.customer_id IS NULL THEN 1.0 ELSE 0.0 END) FILTER (WHERE h.contact) AS treated_churn_rate,
  avg(CASE WHEN o.customer_id IS NULL THEN 1.0 ELSE 0.0 END) FILTER (WHERE h.is_control) AS control_churn_rate
FROM customer_scores_history h
LEFT JOIN (
  SELECT DISTINCT h2.run_id, o.customer_id
  FROM customer_scores_history h2 JOIN orders o ON o.customer_id = h2.customer_id
  WHERE o.amount >= 0 AND o.order_date > h2.as_of AND o.order_date <= h2.as_of + $horizon
) o ON o.run_id = h.run_id AND o.customer_id = h.customer_id
WHERE h.action <> 'none' AND h.as_of + $horizon <= (SELECT max(as_of) FROM customer_scores)
GROUP BY ALL
ORDER BY as_of DESC, h.action
