-- The cumulative value curve: the share of historic value held by the top share of customers, at about 50 points.
WITH r AS (
  SELECT row_number() OVER (ORDER BY historic_value DESC, customer_id) AS k, count(*) OVER () AS n,
    sum(greatest(historic_value, 0)) OVER (ORDER BY historic_value DESC, customer_id) AS cum, sum(greatest(historic_value, 0)) OVER () AS total
  FROM customer_scores)
SELECT k / n AS customers, cum / nullif(total, 0) AS value FROM r WHERE k % greatest(1, n // 50) = 0 OR k = n ORDER BY k
