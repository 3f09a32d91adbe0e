-- The checked lines of a contacts file (temp table `checked`, validateStage) that become
-- recorded_contacts: one row per line accepted, in file order. Each contact is tied to the
-- latest publication whose as-of is on or before its day (its run_id and as_of; the day
-- itself and no run when none is), the campaign named by $campaign, the file's own id.
SELECT $campaign_id AS campaign_id, $campaign AS campaign, c.customer_id, 'file' AS list_name, lower(trim(c.action)) AS action,
  trim(c.channel) AS channel, CAST(c.contacted_at AS DATE) AS contacted_on, CAST(c.cost AS DOUBLE) AS cost_per_contact,
  $currency AS currency, coalesce(r.run_id, '') AS run_id, coalesce(r.as_of, CAST(c.contacted_at AS DATE)) AS as_of,
  CAST($recorded_at AS TIMESTAMPTZ) AS recorded_at, $file AS source_file, c.line AS source_line
FROM checked c
LEFT JOIN LATERAL (
  SELECT run_id, as_of FROM runs
  WHERE outcome = 'succeeded' AND as_of IS NOT NULL AND as_of <= CAST(c.contacted_at AS DATE)
  ORDER BY as_of DESC, run_id DESC LIMIT 1
) r ON true
WHERE c.status = 'ok'
ORDER BY c.line
