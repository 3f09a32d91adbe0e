-- fidelio rejected: the rejected lines of run $run_id, of reason class
-- $class when given (a line with several classes matches each), in file
-- and line order, at most $top.
SELECT run_id, kind, file, line, reason_class, reason, raw
FROM rejected_rows
WHERE run_id = $run_id AND ($class IS NULL OR list_contains(string_split(coalesce(reason_class, 'unclassified'), ';'), $class))
ORDER BY file, line NULLS LAST
LIMIT $top
