-- fidelio list: the customers to contact from customer_scores (customers
-- joined for the country filter), highest value at risk first. The WHERE
-- clause is assembled from bound conditions by listCommand.ts.
SELECT s.* FROM customer_scores s LEFT JOIN customers c USING (customer_id)
