-- This run's rejected lines by input and reason class, with a count and the
-- first such line's reason as an example (rejection_classes.sql's grouping).
WITH classes AS (
  SELECT kind, line, reason, unnest(string_split(coalesce(reason_class, 'unclassified'), ';')) AS reason_class
  FROM rejected_rows WHERE run_id = $run_id
)
SELECT kind, reason_class, count(*) AS lines, arg_min(line, coalesce(line, 9223372036854775807)) AS example_line,
  arg_min(reason, coalesce(line, 9223372036854775807)) AS example_reason
FROM classes GROUP BY kind, reason_class ORDER BY lines DESC, kind, reason_class LIMIT 20
