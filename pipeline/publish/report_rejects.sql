-- This run's rejected rows by input and reason, the quoted values replaced by an ellipsis so that alike reasons group.
SELECT kind, regexp_replace(reason, '''[^'']*''', '…', 'g') AS reason, count(*) AS lines
FROM rejected_rows WHERE run_id = $run_id GROUP BY ALL ORDER BY lines DESC LIMIT 20
