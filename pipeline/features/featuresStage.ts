import type { BgNbdFit } from '../btyd/fitBtyd.js';
import type { Config } from '../config.js';
import { dateParam } from '../db/Database.js';
import { DataError } from '../errors.js';
import type { Stage } from '../stage.js';
import { buildAsOfBtydFeatures } from './btydFeatures.js';
import { buildCustomerFeatures } from './featuresState.js';
import { planSnapshots, type SnapshotPlan } from './snapshots.js';
import { SampleTables, buildTrainingSample, sampleUse, type TrainingSample } from './trainingSample.js';

export interface FeaturesParams {
  /** The day to score as of; by default the last order date. */
  asOf?: string;
  horizonDays: number;
  snapshots: { count: number; spacingDays: number };
  sampleCustomers: number;
  btydFitCustomers: number;
  seed: number;
  /** Learn the seasonal profile at each cutoff (btyd.season). */
  season: boolean;
}

export interface FeaturesOutput {
  asOf: string;
  plan: SnapshotPlan;
  sample: TrainingSample;
  /** The BG/NBD fit made for the features at as-of, for the train stage to reuse. */
  btydFits: Map<string, BgNbdFit>;
  /** The table of each customer's fingerprint of their orders as they are in this run (features_state), for the KPIs' carried purchase days. */
  customerPrints: string;
}

/**
 * The features stage: what scoring needs, customer_features and BG/NBD's
 * view of each customer (btyd_features) as of the as-of date, and the
 * training sample with the plan of the training cutoffs. The labelled
 * snapshots at those cutoffs are the train stage's, built only when a
 * challenger trains (a run that keeps the champion needs none).
 */
export const featuresStage: Stage<FeaturesParams, unknown, FeaturesOutput> = {
  name: 'features',
  reads: ['orders', 'order_lines', 'customers', 'tickets'],
  writes: ['customer_features', 'features_state', 'features_state_meta', 'training_sample', 'btyd_features', 'btyd_features__figures'],
  params: (c: Config) => ({
    asOf: c.asOf, horizonDays: c.horizonDays, snapshots: c.snapshots,
    sampleCustomers: c.training.sampleCustomers, btydFitCustomers: c.training.btydFitCustomers, seed: c.seed, season: c.btyd.season,
  }),
  async run({ db, log, step }, p) {
    const span = await db.one<{ first: string; last: string }>(`SELECT CAST(min(order_date) AS VARCHAR) AS first, CAST(max(order_date) AS VARCHAR) AS last
      FROM orders WHERE amount >= 0`);
    const { first: firstOrder, last: lastOrder } = span!;
    const asOf = p.asOf ?? lastOrder;
    const plan = planSnapshots({ asOf, horizonDays: p.horizonDays, count: p.snapshots.count, spacingDays: p.snapshots.spacingDays }, firstOrder);
    const built = await step('customer_features', () => buildCustomerFeatures(db, asOf));
    const customers = built.customers;
    if (built.how === 'kept') log.info({ customers, rebuilt: built.rebuilt }, `customer_features: ${built.rebuilt} customers rebuilt from their rows (rows changed or dated since the last run), the others' carried with what moves with the as-of computed again`);
    else if (built.how === 'unchanged') log.info({ customers }, `customer_features: kept as it is (built at the same as-of from the same orders, order lines, tickets and customers)`);
    else log.info({ customers, why: built.why }, `customer_features: built from every row (${built.why})`);
    if (customers === 0) throw new DataError(`no customer has an order on or before --as-of ${asOf}; the first order is dated ${firstOrder}`);
    const sample = await step('training sample', () => buildTrainingSample(db, p.sampleCustomers, p.seed, p.btydFitCustomers));
    if (sample.partial) log.info(sample, 'the models learn from a stratified sample of customers (training.sampleCustomers)');
    const tables = new SampleTables(db);
    try {
      const btydFits = await step('BG/NBD features', () =>
        buildAsOfBtydFeatures(db, tables, asOf, p.horizonDays, sampleUse(sample).fitOn, 7, p.season));
      log.info({ customers, ...plan }, 'features built');
      if (plan.trainCutoffs.length === 0) {
        throw new DataError(`the history from ${firstOrder} to ${asOf} is too short to learn from: it needs more than two horizons (${2 * p.horizonDays} days); lower --horizon-days or give a longer history`);
      }
      return { asOf, plan, sample, btydFits, customerPrints: 'features_state' };
    } finally {
      await tables.drop();
    }
  },
  rows: async ({ db }, out) => ({
    rows_in: await db.value<number>('SELECT count(*) FROM orders WHERE order_date <= $1', [dateParam(out.asOf)]),
    rows_out: out.sample.customers,
  }),
  manifest: (out) => ({ as_of: out.asOf }),
};
