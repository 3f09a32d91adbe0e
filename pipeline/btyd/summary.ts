/*
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

/** Summaries of a base: customer ids and, in the same order, their summary rows (features/btydSummary.ts reads them from the orders). */
export interface Summary {
  ids: (string | null)[];
  rows: (CustomerSummary & { mean_repeat_value: number })[];
}
