import { bgnbdExpectedCurve, bgnbdPAlive, bgnbdProbabilityNoPurchase, type BgNbdParams } from './bgnbd.js';
import { familyOf, type PurchaseModelName } from './fitBtyd.js';
import { mbgnbdExpectedCurve, mbgnbdPAlive, mbgnbdProbabilityNoPurchase } from './mbgnbd.js';
import { paretoNbdExpectedCurve, paretoNbdPAlive, type ParetoNbdParams } from './paretoNbd.js';

/** What scoring needs of a purchase model, in the fit's time unit. */
export interface PurchaseModel {
  pAlive(x: number, t_x: number, T: number): number;
  /** Expected purchases in (T, T + t] for each t. */
  expected(ts: readonly number[], x: number, t_x: number, T: number): number[];
  /** P(no purchase in (T, T + t]); the BG/NBD family only (a Pareto/NBD customer may die without a purchase). */
  pNoPurchase?(t: number, x: number, t_x: number, T: number): number;
}

const BG_NAMES = ['r', 'alpha', 'a', 'b'] as const;
const PARETO_NAMES = ['r', 'alpha', 's', 'beta'] as const;

/** The parameter names of a purchase model, in the order of its parameter vector. */
export const parameterNames = (name: PurchaseModelName): readonly string[] => (familyOf(name) === 'pareto' ? PARETO_NAMES : BG_NAMES);

/** The parameter names of each family (kept for callers of the first version). */
export const PARAMETER_NAMES = { bgnbd: BG_NAMES, mbgnbd: BG_NAMES, pareto: PARETO_NAMES } as const;

/** Whether a candidate gives P(no purchase in the horizon), so that it can be a churn model. */
export const hasNoPurchaseProbability = (name: PurchaseModelName) => familyOf(name) !== 'pareto';

export function purchaseModel(name: PurchaseModelName, params: BgNbdParams | ParetoNbdParams): PurchaseModel {
  switch (familyOf(name)) {
    case 'bgnbd': {
      const p = params as BgNbdParams;
      return {
        pAlive: (x, t_x, T) => bgnbdPAlive(p, x, t_x, T),
        expected: (ts, x, t_x, T) => bgnbdExpectedCurve(p, ts, x, t_x, T),
        pNoPurchase: (t, x, t_x, T) => bgnbdProbabilityNoPurchase(p, t, x, t_x, T),
      };
    }
    case 'mbgnbd': {
      const p = params as BgNbdParams;
      return {
        pAlive: (x, t_x, T) => mbgnbdPAlive(p, x, t_x, T),
        expected: (ts, x, t_x, T) => mbgnbdExpectedCurve(p, ts, x, t_x, T),
        pNoPurchase: (t, x, t_x, T) => mbgnbdProbabilityNoPurchase(p, t, x, t_x, T),
      };
    }
    case 'pareto': {
      const p = params as ParetoNbdParams;
      return {
        pAlive: (x, t_x, T) => paretoNbdPAlive(p, x, t_x, T),
        expected: (ts, x, t_x, T) => paretoNbdExpectedCurve(p, ts, x, t_x, T),
      };
    }
  }
}
