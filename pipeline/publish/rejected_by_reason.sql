-- This run's rejected rows by input kind and reason, for the manifest.
SELECT kind, reason, count(*) AS lines FROM rejected_rows WHERE run_id = $run_id GROUP BY ALL ORDER BY lines DESC, reason
