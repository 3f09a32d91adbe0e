import { readFileSync } from 'node:fs';

/**
 * The CDNOW 1/10 sample (tests/fixtures/cdnow, from Fader & Hardie's site
 * via the BTYD literature; see its README) as customer_id,date,amount CSV text.
 */
export function cdnowTransactionsCsv(): string {
  const lines = readFileSync(new URL('../fixtures/cdnow/CDNOW_sample.txt', import.meta.url), 'utf8').trim().split(/\r?\n/);
  return 'customer_id,date,amount\n' + lines.map((l) => {
    const [, id, date, , value] = l.trim().split(/\s+/);
    return `${id},${date},${value}`;
  }).join('\n') + '\n';
}

/** The published CDNOW summary (customer id, x, t_x, T, mean repeat value), in customer order. */
export function cdnowPublishedSummary(): number[][] {
  return readFileSync(new URL('../fixtures/cdnow/cdnow_customers_summary_with_transactions.csv', import.meta.url), 'utf8')
    .trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
}

/** The published summary as BTYD summary rows (x, t_x, T in weeks; the mean repeat value). */
export function cdnowSummaryRows(): { id: number; x: number; t_x: number; T: number; mean_repeat_value: number }[] {
  return cdnowPublishedSummary().map(([id, x, t_x, T, zbar]) => ({ id: id!, x: x!, t_x: t_x!, T: T!, mean_repeat_value: zbar! }));
}

/**
 * The CDNOW customers as a summary table's batch columns (btyd/summaryScorer.ts): in history order
 * (x, t_x, T), as createBtydSummary stores them, with each order-value bin as its SQL computes it.
 */
export function cdnowSummaryColumns(): Record<'x' | 't_x' | 'T' | 'mean_repeat_value' | 'zbin', Float64Array> {
  const sorted = cdnowSummaryRows().sort((a, b) => a.x - b.x || a.t_x - b.t_x || a.T - b.T);
  const col = (f: (r: (typeof sorted)[number]) => number) => Float64Array.from(sorted, f);
  return {
    x: col((r) => r.x), t_x: col((r) => r.t_x), T: col((r) => r.T), mean_repeat_value: col((r) => r.mean_repeat_value),
    zbin: col((r) => (r.x > 0 && r.mean_repeat_value > 0 ? Math.round(Math.log(r.mean_repeat_value) / 0.25) : NaN)),
  };
}
