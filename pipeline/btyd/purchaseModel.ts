import { bgnbdCurveBracket, bgnbdCurveLead, bgnbdExpectedCurve, bgnbdPAlive, bgnbdProbabilityNoPurchase, type BgNbdParams } from './bgnbd.js';
import { mbgnbdCurveBracket, mbgnbdCurveLead, mbgnbdExpectedCurve, mbgnbdPAlive, mbgnbdProbabilityNoPurchase } from './mbgnbd.js';
import { paretoNbdExpectedCurve, paretoNbdPAlive, type ParetoNbdParams } from './paretoNbd.js';

/** The purchase models' families: BG/NBD, the modified BG/NBD, Pareto/NBD. */
export type PurchaseFamily = 'bgnbd' | 'mbgnbd' | 'pareto';
export const PURCHASE_FAMILIES: readonly PurchaseFamily[] = ['bgnbd', 'mbgnbd', 'pareto'];
/** A purchase-model candidate: a family, fitted by maximum likelihood or with the penalty on its log-parameters. */
export type PurchaseModelName = PurchaseFamily | `${PurchaseFamily}_penalized`;

export const familyOf = (name: PurchaseModelName): PurchaseFamily => name.replace(/_penalized$/, '') as PurchaseFamily;

/** What scoring needs of a purchase model, in the fit's time unit. */
export interface PurchaseModel {
  pAlive(x: number, t_x: number, T: number): number;
  /** Expected purchases in (T, T + t] for each t. */
  expected(ts: readonly number[], x: number, t_x: number, T: number): number[];
  /**
   * `expected` for one list of times, the same numbers, for scoring many
   * histories: the BG/NBD family's hypergeometric part depends on x and T
   * only, and is computed once per (x, T) for every t_x (a million
   * customers hold about 45,000 of them against 676,000 histories).
   */
  curve(ts: readonly number[]): (x: number, t_x: number, T: number) => number[];
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

/** At most this many (x, T) brackets are kept by a curve; beyond, the cache starts again (memory stays bounded). */
const MAX_BRACKETS = 200_000;

/** A curve of the BG/NBD family: its lead per history times its bracket per (x, T), kept. */
function familyCurve(lead: (x: number, t_x: number, T: number) => number, bracket: (x: number, T: number) => number[]) {
  let byX = new Map<number, Map<number, number[]>>();
  let kept = 0;
  return (x: number, t_x: number, T: number): number[] => {
    let byT = byX.get(x);
    if (!byT) byX.set(x, (byT = new Map()));
    let values = byT.get(T);
    if (!values) {
      if (kept >= MAX_BRACKETS) {
        byX = new Map([[x, (byT = new Map())]]);
        kept = 0;
      }
      values = bracket(x, T);
      byT.set(T, values);
      kept++;
    }
    const l = lead(x, t_x, T);
    return values.map((v) => l * v);
  };
}

export function purchaseModel(name: PurchaseModelName, params: BgNbdParams | ParetoNbdParams): PurchaseModel {
  switch (familyOf(name)) {
    case 'bgnbd': {
      const p = params as BgNbdParams;
      return {
        pAlive: (x, t_x, T) => bgnbdPAlive(p, x, t_x, T),
        expected: (ts, x, t_x, T) => bgnbdExpectedCurve(p, ts, x, t_x, T),
        curve: (ts) => familyCurve((x, t_x, T) => bgnbdCurveLead(p, x, t_x, T), (x, T) => bgnbdCurveBracket(p, ts, x, T)),
        pNoPurchase: (t, x, t_x, T) => bgnbdProbabilityNoPurchase(p, t, x, t_x, T),
      };
    }
    case 'mbgnbd': {
      const p = params as BgNbdParams;
      return {
        pAlive: (x, t_x, T) => mbgnbdPAlive(p, x, t_x, T),
        expected: (ts, x, t_x, T) => mbgnbdExpectedCurve(p, ts, x, t_x, T),
        curve: (ts) => familyCurve((x, t_x, T) => mbgnbdCurveLead(p, x, t_x, T), (x, T) => mbgnbdCurveBracket(p, ts, x, T)),
        pNoPurchase: (t, x, t_x, T) => mbgnbdProbabilityNoPurchase(p, t, x, t_x, T),
      };
    }
    case 'pareto': {
      const p = params as ParetoNbdParams;
      return {
        pAlive: (x, t_x, T) => paretoNbdPAlive(p, x, t_x, T),
        expected: (ts, x, t_x, T) => paretoNbdExpectedCurve(p, ts, x, t_x, T),
        // P(alive), the costly part, holds t_x: nothing to share.
        curve: (ts) => (x, t_x, T) => paretoNbdExpectedCurve(p, ts, x, t_x, T),
      };
    }
  }
}
