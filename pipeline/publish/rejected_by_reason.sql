-- This run's rejected rows by input kind and reason, the quoted values in
-- the reasons elided (so that alike reasons group), for the manifest's
-- rejected_by_reason (deprecated: rejected_by_class groups by class with an example).
SELECT kind, regexp_replace(reason, '''[^'']*''', '…', 'g') AS reason, count(*) AS lines
FROM rejected_rows WHERE run_id = $run_id GROUP BY ALL ORDER BY lines DESC, reason
