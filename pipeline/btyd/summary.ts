/**
 * Per-customer summary for the BTYD models, in the literature's
 * conventions: purchases collapsed to distinct customer-days, x = repeat
 * purchase days (the first excluded), t_x = time of the last purchase since
 * the first, T = time from the first purchase to the calibration end, all in
 * the chosen unit; mean_repeat_value = mean amount of the repeat days.
 */
export interface CustomerSummary {
  x: number;
  t_x: number;
  T: number;
  mean_repeat_value?: number;
}

/** Groups customers with identical (x, t_x, T): the likelihood is summed once per group, weighted. */
export function groupSummaries(rows: readonly CustomerSummary[]): { x: Float64Array; t_x: Float64Array; T: Float64Array; w: Float64Array } {
  const groups = new Map<string, { x: number; t_x: number; T: number; w: number }>();
  for (const r of rows) {
    const key = `${r.x}|${r.t_x}|${r.T}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: r.x, t_x: r.t_x, T: r.T, w: 1 });
  }
  const list = [...groups.values()];
  return {
    x: Float64Array.from(list, (g) => g.x),
    t_x: Float64Array.from(list, (g) => g.t_x),
    T: Float64Array.from(list, (g) => g.T),
    w: Float64Array.from(list, (g) => g.w),
  };
}

/** The SQL that builds the summary from a relation of (customer_id, day DATE, amount), days per unit given. */
export function summarySql(source: string): string {
  return `WITH d AS (
      SELECT customer_id, day, sum(amount) AS amount FROM ${source}
      WHERE day <= $calibration_end GROUP BY customer_id, day
    ), f AS (
      SELECT customer_id, min(day) AS first_day FROM d GROUP BY customer_id
    )
    SELECT d.customer_id,
      count(*) - 1 AS x,
      (max(d.day) - f.first_day) / $unit_days AS t_x,
      ($calibration_end - f.first_day) / $unit_days AS "T",
      -- amounts are DECIMAL: their exact sums keep the mean the same whatever the threads' order
      CAST(avg(d.amount) FILTER (WHERE d.day > f.first_day) AS DOUBLE) AS mean_repeat_value
    FROM d JOIN f USING (customer_id)
    GROUP BY d.customer_id, f.first_day
    ORDER BY d.customer_id`;
}
