/** An action the budget prices. */
export type PricedAction = 'save' | 'surprise' | 'grow' | 'nurture' | 'win_back';

/** The actions the budget prices, in the order the lists and the report give them. */
export const ACTIONS: readonly PricedAction[] = ['save', 'surprise', 'grow', 'nurture', 'win_back'];

/** The rate the budget uses for one action, and where it comes from (score/actionRates.ts). */
export interface ActionRate {
  action: PricedAction;
  /** Share of the value at risk a contact keeps. */
  rate: number;
  source: 'measured' | 'assumed';
  /** For a measured rate: the run it was measured on and its 90% interval. */
  measured?: { run_id: string; as_of: string; low: number; high: number; contacted: number; controls: number };
}
