import { dateParam, type Columns, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

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

/** The summary query (summary.sql): bind $source (a table name), $calibration_end (DATE) and $unit_days. */
export const summarySql = (): string => readSql('btyd/summary.sql');

/** The summary query's parameters: the orders of table `source` up to `calibrationEnd`, in units of `unitDays` days. */
export const summaryParams = (source: string, calibrationEnd: string, unitDays: number) => ({
  source, calibration_end: dateParam(calibrationEnd), unit_days: unitDays,
});

/** Summaries as read by summarySql: customer ids and rows. */
export interface Summary {
  ids: (string | null)[];
  rows: (CustomerSummary & { mean_repeat_value: number })[];
}

/** Columns of a summary query's result as summary rows. */
export function toSummary(cols: Columns): Summary {
  const x = cols.x as Float64Array;
  const t_x = cols.t_x as Float64Array;
  const T = cols.T as Float64Array;
  const m = cols.mean_repeat_value as Float64Array;
  return {
    ids: cols.customer_id as (string | null)[],
    rows: Array.from(x, (_, i) => ({ x: x[i]!, t_x: t_x[i]!, T: T[i]!, mean_repeat_value: m[i]! })),
  };
}

/** The summaries at `calibrationEnd` of the orders in table `source`. */
export async function readSummary(db: Database, source: string, calibrationEnd: string, unitDays: number): Promise<Summary> {
  return toSummary(await db.columns(summarySql(), summaryParams(source, calibrationEnd, unitDays)));
}
