-- A customer list (fidelio list, the report's lists): the customers of the
-- scores table (the working database's published_scores, the published
-- copy's customer_scores, or the run's customer_scores for its report,
-- inlined by customerList.ts where the scores marker stands), customers
-- joined for the country filter, names and emails where the database has
-- them (the customers marker). The columns (a priority numbered among the
-- customers listed, then the campaign's or every published column) stand
-- at the columns marker; the WHERE clause is assembled from bound
-- conditions by listFilter (customerList.ts).
SELECT /*columns*/ FROM /*scores*/ s /*customers*/
