import { bgnbdExpectedCurve, bgnbdPAlive, bgnbdProbabilityNoPurchase, type BgNbdParams } from './bgnbd.js';
import type { PurchaseModelName } from './fitBtyd.js';
import { paretoNbdExpectedCurve, paretoNbdPAlive, type ParetoNbdParams } from './paretoNbd.js';

/** What scoring needs of a purchase model, in the fit's time unit. */
export interface PurchaseModel {
  pAlive(x: number, t_x: number, T: number): number;
  /** Expected purchases in (T, T + t] for each t. */
  expected(ts: readonly number[], x: number, t_x: number, T: number): number[];
  /** P(no purchase in (T, T + t]); BG/NBD only. */
  pNoPurchase?(t: number, x: number, t_x: number, T: number): number;
}

/** The parameter names of each purchase model, in the order of its parameter vector. */
export const PARAMETER_NAMES: Record<PurchaseModelName, readonly string[]> = {
  bgnbd: ['r', 'alpha', 'a', 'b'],
  pareto: ['r', 'alpha', 's', 'beta'],
};

export function purchaseModel(name: PurchaseModelName, params: BgNbdParams | ParetoNbdParams): PurchaseModel {
  if (name === 'bgnbd') {
    const p = params as BgNbdParams;
    return {
      pAlive: (x, t_x, T) => bgnbdPAlive(p, x, t_x, T),
      expected: (ts, x, t_x, T) => bgnbdExpectedCurve(p, ts, x, t_x, T),
      pNoPurchase: (t, x, t_x, T) => bgnbdProbabilityNoPurchase(p, t, x, t_x, T),
    };
  }
  const p = params as ParetoNbdParams;
  return {
    pAlive: (x, t_x, T) => paretoNbdPAlive(p, x, t_x, T),
    expected: (ts, x, t_x, T) => paretoNbdExpectedCurve(p, ts, x, t_x, T),
  };
}
