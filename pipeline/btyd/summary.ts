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
export interface GroupedSummaries {
  x: Float64Array;
  t_x: Float64Array;
  T: Float64Array;
  w: Float64Array;
  /** Distinct t_x and T values and each group's position among them: per-evaluation logarithms are taken once per value. */
  txValues: Float64Array;
  txAt: Int32Array;
  TValues: Float64Array;
  TAt: Int32Array;
}

function distinct(values: Float64Array): { values: Float64Array; at: Int32Array } {
  const index = new Map<number, number>();
  const list: number[] = [];
  const at = new Int32Array(values.length);
  values.forEach((v, i) => {
    let j = index.get(v);
    if (j === undefined) {
      j = list.length;
      index.set(v, j);
      list.push(v);
    }
    at[i] = j;
  });
  return { values: Float64Array.from(list), at };
}

export function groupSummaries(rows: readonly CustomerSummary[]): GroupedSummaries {
  // Nested maps on numbers: far cheaper than string keys for a million customers.
  const index = new Map<number, Map<number, Map<number, number>>>();
  const x: number[] = [];
  const t_x: number[] = [];
  const T: number[] = [];
  const w: number[] = [];
  for (const r of rows) {
    let byTx = index.get(r.x);
    if (!byTx) index.set(r.x, (byTx = new Map()));
    let byT = byTx.get(r.t_x);
    if (!byT) byTx.set(r.t_x, (byT = new Map()));
    const i = byT.get(r.T);
    if (i === undefined) {
      byT.set(r.T, x.length);
      x.push(r.x);
      t_x.push(r.t_x);
      T.push(r.T);
      w.push(1);
    } else w[i]!++;
  }
  const grouped = { x: Float64Array.from(x), t_x: Float64Array.from(t_x), T: Float64Array.from(T), w: Float64Array.from(w) };
  const tx = distinct(grouped.t_x);
  const tt = distinct(grouped.T);
  return { ...grouped, txValues: tx.values, txAt: tx.at, TValues: tt.values, TAt: tt.at };
}

/**
 * The SQL that builds the summary from a relation of (customer_id, day DATE,
 * amount DECIMAL) whose negative amounts are refunds, with $calibration_end
 * (DATE) and $unit_days (days per time unit) bound. Purchase days are the
 * days with a purchase (amount >= 0); refunds are netted against the repeat
 * spend: mean_repeat_value = (purchases on repeat days + refunds issued after
 * the first purchase day) / x. It can be zero or negative (a customer who
 * returned what they bought); such customers are left out of the spend fit.
 */
export function summarySql(source: string): string {
  return `WITH rows AS (
      SELECT customer_id, day, amount FROM ${source} WHERE day <= $calibration_end
    ), d AS (
      SELECT customer_id, day, sum(amount) AS amount FROM rows WHERE amount >= 0 GROUP BY customer_id, day
    ), f AS (
      SELECT customer_id, min(day) AS first_day FROM d GROUP BY customer_id
    ), refunds AS (
      SELECT r.customer_id, sum(r.amount) AS refunded
      FROM rows r JOIN f USING (customer_id) WHERE r.amount < 0 AND r.day > f.first_day GROUP BY r.customer_id
    )
    SELECT d.customer_id,
      count(*) - 1 AS x,
      (max(d.day) - f.first_day) / $unit_days AS t_x,
      ($calibration_end - f.first_day) / $unit_days AS "T",
      -- amounts are DECIMAL: their exact sums keep the mean the same whatever the threads' order
      CAST((sum(d.amount) FILTER (WHERE d.day > f.first_day) + coalesce(any_value(rf.refunded), 0)) / nullif(count(*) - 1, 0) AS DOUBLE) AS mean_repeat_value
    FROM d JOIN f USING (customer_id) LEFT JOIN refunds rf USING (customer_id)
    GROUP BY d.customer_id, f.first_day
    ORDER BY d.customer_id`;
}
