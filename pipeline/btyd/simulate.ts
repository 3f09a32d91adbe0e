import type { Random } from '../shared/random.js';
import type { BgNbdParams } from './bgnbd.js';
import type { CustomerSummary } from './summary.js';

/**
 * Summaries drawn from the BG/NBD process (a gamma(r, alpha) purchase rate
 * per customer, a beta(a, b) chance of dropping out after each purchase),
 * each customer observed for `observed()` time units from a first purchase
 * at time 0; purchase times rounded down to `resolution` (1/7: days in
 * weeks); with `modified`, the modified BG/NBD's process (dropout after the
 * first purchase too). For benchmarks, and for tests that must know the truth.
 */
export function simulateBgNbd(params: BgNbdParams, customers: number, rng: Random, observed: () => number, resolution = 0, modified = false): CustomerSummary[] {
  return Array.from({ length: customers }, () => {
    const T = observed();
    const lambda = rng.gamma(params.r, 1 / params.alpha);
    const p = rng.beta(params.a, params.b);
    let t = 0;
    let x = 0;
    let t_x = 0;
    // The modified BG/NBD: the first purchase may be followed by dropout as well.
    if (modified && rng.bernoulli(p)) return { x, t_x, T };
    for (;;) {
      t += rng.exponential(lambda);
      if (t > T) break;
      x++;
      t_x = resolution > 0 ? Math.floor(t / resolution) * resolution : t;
      if (rng.bernoulli(p)) break;
    }
    return { x, t_x, T };
  });
}
