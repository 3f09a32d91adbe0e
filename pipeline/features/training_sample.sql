-- training_sample: the customers the models learn from (customer_id,
-- fits_btyd), drawn from customer_features. With $share = 1 every customer;
-- otherwise each stratum of purchase count (1, 2, 3, 4, 5+) x recency at
-- as_of (up to 90 days, up to a year, longer) keeps round($share x its size)
-- customers, the first by a hash of customer_id seeded with $seed, so the
-- sample has the base's mix of new, regular and lapsed customers and the
-- same base and seed give the same sample. fits_btyd marks the first $fit
-- of the sample by another seeded hash: the customers the BTYD models are
-- fitted on.
SELECT customer_id, row_number() OVER (ORDER BY hash(customer_id || $seed || '/btyd'), customer_id) <= $fit AS fits_btyd FROM (
  SELECT customer_id,
    row_number() OVER (PARTITION BY stratum ORDER BY hash(customer_id || $seed), customer_id) AS k,
    count(*) OVER (PARTITION BY stratum) AS n
  FROM (
    SELECT customer_id, least(orders_count, 5) * 10
      + CASE WHEN recency_days <= 90 THEN 0 WHEN recency_days <= 365 THEN 1 ELSE 2 END AS stratum
    FROM customer_features))
WHERE k <= round(n * $share)
ORDER BY customer_id
