-- The previous run the report compares this one with: the latest earlier run in
-- customer_scores_history (as_of on or before this run's, the greatest run_id of that
-- as_of), this run's own rows left out. Read from the history's distinct runs first:
-- the history grows by every customer at every run, and a sort of its rows by as_of
-- and run_id would grow with it. No row when there is none.
SELECT run_id, CAST(as_of AS VARCHAR) AS as_of
FROM (SELECT DISTINCT run_id, as_of FROM customer_scores_history WHERE run_id <> $run_id)
WHERE as_of <= (SELECT max(as_of) FROM customer_scores)
ORDER BY as_of DESC, run_id DESC
LIMIT 1
