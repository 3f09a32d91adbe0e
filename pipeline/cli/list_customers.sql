-- fidelio list: the customers to contact from the published scores (the
-- working database's published_scores, or the published copy's
-- customer_scores, inlined by listCommand.ts where the scores marker
-- stands), customers joined for the country filter where the database has
-- them (the customers marker), highest value at risk first. The WHERE
-- clause is assembled from bound conditions by listCommand.ts.
SELECT s.* FROM /*scores*/ s /*customers*/
