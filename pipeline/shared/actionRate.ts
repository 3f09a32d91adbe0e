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
  /**
   * The action's uplift model, when the measured history trained one (score/upliftModel.ts): its backtest on
   * the latest campaign against risk ranking, what the budget ranked by, and the customers it kept from
   * contact because contact would make them likelier to leave.
   */
  uplift?: {
    proposed: number;
    controls: number;
    test_as_of?: string;
    qini_model?: number;
    qini_risk?: number;
    uplift_by_decile?: (number | null)[];
    budget_ranks_by: 'predicted_uplift' | 'churn_x_rate';
    negative_uplift: number;
  };
}
