-- segment_personas: each RFM segment's persona mix (customer_scores): the
-- customers of the segment in each persona and their share of the segment.
SELECT segment, persona_id, persona, count(*) AS customers,
  count(*) / sum(count(*)) OVER (PARTITION BY segment) AS share_of_segment
FROM customer_scores
WHERE persona_id IS NOT NULL
GROUP BY segment, persona_id, persona
ORDER BY segment, persona_id
