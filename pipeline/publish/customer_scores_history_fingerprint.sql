-- The fingerprint of a score history (`history`, a CTE the caller names: the working
-- database's customer_scores_history or a copy's): its rows, and the sum of a hash of
-- each whole row (as text: the sum is a HUGEINT). Two histories with the same columns
-- and the same fingerprint hold the same rows.
SELECT count(*) AS rows, CAST(sum(hash(h)) AS VARCHAR) AS rows_hash FROM history h
