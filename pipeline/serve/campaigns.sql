-- fidelio serve, the campaigns page: each campaign recorded (one row per
-- contact in recorded_contacts), newest first, with its customers and total cost.
SELECT campaign_id, any_value(campaign) AS campaign, any_value(list_name) AS list_name, any_value(channel) AS channel,
  any_value(contacted_on) AS contacted_on, count(*) AS customers, any_value(cost_per_contact) AS cost_per_contact,
  sum(cost_per_contact) AS cost, any_value(currency) AS currency, any_value(run_id) AS run_id, any_value(as_of) AS as_of,
  max(recorded_at) AS recorded_at
FROM recorded_contacts
GROUP BY campaign_id
ORDER BY recorded_at DESC, campaign_id
