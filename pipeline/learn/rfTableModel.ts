import { createHash } from 'node:crypto';

/**
 * The recency-frequency table: the classic first churn model of retail
 * analytics, learnt from labelled snapshots. Customers are put in cells by
 * recency and by number of purchase days; each cell's churn rate, mean
 * future purchases and mean future spend per unit of past order value are
 * its predictions, shrunk towards the recency row's values when a cell is
 * small. It is the baseline every learnt model must beat, and the scorer
 * until one does.
 */
export const RECENCY_EDGES = [7, 14, 30, 60, 90, 120, 180, 270, 365, 540, 730] as const;
export const FREQUENCY_EDGES = [2, 3, 4, 6, 10] as const;
/** Pseudo-count of the shrinkage towards the recency row. */
const PRIOR_WEIGHT = 20;

export interface RfCell {
  r: number;
  f: number;
  n: number;
  churn_rate: number;
  purchases: number;
  /** Future spend per unit of the customer's average order value. */
  spend_per_aov: number;
}

/** A cell's training customers (recency bucket r, frequency bucket f): how many, how many churned, their future purchases, and their future spend over their average order value, summed. */
export interface RfCounts {
  r: number;
  f: number;
  n: number;
  churned: number;
  purchases: number;
  spend_ratio: number;
}

/**
 * Learns the table from each cell's counts (train/rfTable.ts sums them from
 * the training snapshots; cells are buckets of RECENCY_EDGES and
 * FREQUENCY_EDGES, a value below an edge falling in the bucket before it).
 */
export function learnRfTable(rows: readonly RfCounts[]): { cells: RfCell[]; version: string } {
  const byR = new Map<number, { n: number; churned: number; purchases: number; spend: number }>();
  for (const row of rows) {
    const acc = byR.get(row.r) ?? { n: 0, churned: 0, purchases: 0, spend: 0 };
    acc.n += row.n;
    acc.churned += row.churned;
    acc.purchases += row.purchases;
    acc.spend += row.spend_ratio;
    byR.set(row.r, acc);
  }
  const cells: RfCell[] = [];
  for (let r = 0; r <= RECENCY_EDGES.length; r++) {
    const prior = byR.get(r);
    for (let f = 0; f <= FREQUENCY_EDGES.length; f++) {
      const cell = rows.find((row) => row.r === r && row.f === f);
      const n = cell?.n ?? 0;
      const shrink = (sum: number, priorSum: number, priorN: number) =>
        priorN > 0 ? (sum + (PRIOR_WEIGHT * priorSum) / priorN) / (n + PRIOR_WEIGHT) : n > 0 ? sum / n : NaN;
      cells.push({
        r,
        f,
        n,
        churn_rate: shrink(cell?.churned ?? 0, prior?.churned ?? 0, prior?.n ?? 0),
        purchases: shrink(cell?.purchases ?? 0, prior?.purchases ?? 0, prior?.n ?? 0),
        spend_per_aov: shrink(cell?.spend_ratio ?? 0, prior?.spend ?? 0, prior?.n ?? 0),
      });
    }
  }
  fillEmptyRows(cells);
  const version = 'rf-table-' + createHash('sha256').update(JSON.stringify(cells)).digest('hex').slice(0, 12);
  return { cells, version };
}

/** A recency row with no training customer takes the nearest learnt row's values. */
function fillEmptyRows(cells: RfCell[]): void {
  const learnt = cells.filter((c) => !Number.isNaN(c.churn_rate));
  if (learnt.length === 0) throw new Error('the recency-frequency table has no training rows');
  for (const c of cells) {
    if (!Number.isNaN(c.churn_rate)) continue;
    const near = learnt.reduce((best, x) =>
      Math.abs(x.r - c.r) * 10 + Math.abs(x.f - c.f) < Math.abs(best.r - c.r) * 10 + Math.abs(best.f - c.f) ? x : best);
    c.churn_rate = near.churn_rate;
    c.purchases = near.purchases;
    c.spend_per_aov = near.spend_per_aov;
  }
}
