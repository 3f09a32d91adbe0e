-- fidelio serve, the overview: the actions proposed today from the published
-- scores (customers to contact, held back as controls, expected value kept
-- by contacting them), most value kept first.
SELECT action,
  count(*) FILTER (WHERE contact) AS to_contact,
  count(*) FILTER (WHERE is_control) AS controls,
  sum(expected_value_retained ORDER BY customer_id) FILTER (WHERE contact) AS value_kept
FROM customer_scores
WHERE action <> 'none'
GROUP BY action
ORDER BY value_kept DESC NULLS LAST, action
