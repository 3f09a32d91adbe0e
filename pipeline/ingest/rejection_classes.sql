-- The rejected lines of run $run_id (of file $file only, when given) by
-- input kind and reason class, most lines first. reason_class holds a
-- line's classes joined by ';': a line with several problems counts in
-- each. Each class comes with its first line as an example (line number,
-- reason, raw text).
WITH classes AS (
  SELECT kind, file, line, raw, reason, unnest(string_split(coalesce(reason_class, 'unclassified'), ';')) AS reason_class
  FROM rejected_rows WHERE run_id = $run_id AND ($file IS NULL OR file = $file)
)
SELECT kind, reason_class, count(*) AS lines,
  arg_min(line, coalesce(line, 9223372036854775807)) AS example_line,
  arg_min(reason, coalesce(line, 9223372036854775807)) AS example_reason,
  arg_min(raw, coalesce(line, 9223372036854775807)) AS example_raw
FROM classes GROUP BY kind, reason_class
ORDER BY lines DESC, kind, reason_class
