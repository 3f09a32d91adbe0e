import { expect, test } from 'vitest';
import { runBtydCommand } from '../../pipeline/cli/btydCommand.js';
import { cdnowTransactionsCsv } from '../helpers/cdnow.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

const within = (actual: number, expected: number, relative: number) => expect(Math.abs(actual / expected - 1)).toBeLessThan(relative);

test('fidelio btyd on the CDNOW sample: published fits within 0.05% and holdout accuracy at least the peers\'', async () => {
  await withTempDir(async (dir) => {
    const result = await runBtydCommand({
      transactions: writeFile(dir, 'tx.csv', cdnowTransactionsCsv()),
      calibrationEnd: '1997-09-30',
      holdoutEnd: '1998-06-30',
      timeUnit: 'week',
      model: 'all',
    }) as Record<string, Record<string, number> & { bgnbd: Record<string, number>; pareto: Record<string, number> }>;
    const { bgnbd, pareto, gamma_gamma: gg, holdout } = result;
    for (const [k, v] of Object.entries({ r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 })) within(bgnbd![k]!, v, 5e-4);
    for (const [k, v] of Object.entries({ r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 })) within(pareto![k]!, v, 5e-4);
    for (const [k, v] of Object.entries({ p: 6.2488, q: 3.7446, gamma: 15.4477 })) within(gg![k]!, v, 5e-4);
    expect(Math.abs(bgnbd!.log_likelihood! - -9582.43)).toBeLessThan(0.05);
    expect(Math.abs(pareto!.log_likelihood! - -9594.98)).toBeLessThan(0.05);
    expect(Math.abs(gg!.log_likelihood! - -4055.92)).toBeLessThan(0.05);
    // The peers (Python lifetimes, same split): BG/NBD MAE 0.7855, Pearson 0.6257, Spearman 0.4493, Gini 0.6379;
    // Pareto/NBD MAE 0.7545, Pearson 0.6302, Spearman 0.4597, Gini 0.6593; 1,882 actual purchases.
    // Ours equal them at their published precision (4 decimals): BG/NBD's Pearson is 0.62565 and its
    // Spearman 0.44929, the same fit to within the rounding of the fourth decimal, hence the 1e-4 slack.
    const atLeast = (ours: number, peers: number) => expect(ours).toBeGreaterThanOrEqual(peers - 1e-4);
    const atMost = (ours: number, peers: number) => expect(ours).toBeLessThanOrEqual(peers + 1e-4);
    expect(holdout!.actual_purchases).toBe(1882);
    atMost(holdout!.bgnbd.mae!, 0.7855);
    atLeast(holdout!.bgnbd.pearson!, 0.6257);
    atLeast(holdout!.bgnbd.spearman!, 0.4493);
    atLeast(holdout!.bgnbd.normalized_gini_spend!, 0.6379);
    atMost(holdout!.pareto.mae!, 0.7545);
    atLeast(holdout!.pareto.pearson!, 0.6302);
    atLeast(holdout!.pareto.spearman!, 0.4597);
    atLeast(holdout!.pareto.normalized_gini_spend!, 0.6593);
    expect(holdout!.bgnbd.predicted_total).toBeCloseTo(1653.4, 1);
  });
}, 60_000);
