import { createHash } from 'node:crypto';
import { purchaseFits, type BgNbdFit, type BtydModels } from '../btyd/fitBtyd.js';
import type { Database } from '../db/Database.js';
import { networkWindows, type SnapshotPlan } from '../features/snapshots.js';
import { disposeNetworks, type NeuralModels } from '../learn/neuralModels.js';
import type { RfCell } from '../learn/rfTableModel.js';
import type { FeatureProfile } from '../learn/trainedModels.js';
import { profileFeatures } from '../registry/drift.js';
import type { Logger } from '../log.js';
import type { Step } from '../measure.js';
import { fitBtydModels } from './fitBtydModels.js';
import { besideNetworks, trainNeuralModels } from './neuralTraining.js';
import { trainRfTable } from './rfTable.js';

export interface RefitOptions {
  seed: number;
  maxTrainingRows: number;
  btydFitSource: string;
  bgnbdAtAsOf?: BgNbdFit;
  btydPenalty: number;
  season: boolean;
  minNetworkRows: number;
  horizonDays: number;
  /** Train the networks (one of them is a champion), with the backtest's chosen architectures, starting from its networks' weights. */
  networks?: { architectures?: { churn: number[][]; value: number[][] }; start?: Pick<NeuralModels, 'churn' | 'value'> };
  /** Networks trained at once, each on a thread of its own (1 by default). */
  threads?: number;
}

/**
 * The scoring models, learnt one horizon later than the backtest's: the
 * table on every labelled cutoff, the BTYD models on the orders up to
 * as-of, and the networks (when one is a champion) on the cutoffs up to
 * the holdout's, starting from the backtest's weights, stopping early and calibrating on the holdout cutoff (or on
 * the cutoff a year before as-of, the season ahead, when there is one:
 * networkWindows); with them, the description of the data they learnt from.
 */
export async function refitForScoring(db: Database, plan: SnapshotPlan, asOf: string, o: RefitOptions, step: Step, log: Logger): Promise<{
  cells: RfCell[]; btyd: BtydModels; neural?: NeuralModels;
  /** What the models learnt from: the orders' digest (dataFingerprint) and the features' profile for drift (profileFeatures). */
  data: { fingerprint: string; profile: FeatureProfile };
}> {
  const networks = o.networks;
  const train = networks && ((oneTrained: () => void) => step('networks', () => {
    const w = networkWindows([...plan.trainCutoffs, plan.holdoutCutoff], asOf, plan.holdoutCutoff, o.horizonDays);
    return trainNeuralModels(db, w.fit, w.validation, o.seed, log, networks.architectures, o.maxTrainingRows, o.minNetworkRows, networks.start, o.threads, oneTrained);
  }));
  // The table, the BTYD fits and the description of the data on the core the networks leave free once one of them is trained.
  const { result: { table, btyd, data }, networks: trained } = await besideNetworks(train, async () => {
    const table = await trainRfTable(db, ['train', 'holdout']);
    const btyd = await step('BTYD fits', () => fitBtydModels(db, o.btydFitSource, asOf, { bgnbd: o.bgnbdAtAsOf, penalty: o.btydPenalty, season: o.season }, { threads: o.threads, log }));
    return { table, btyd, data: { fingerprint: await dataFingerprint(db, asOf), profile: await profileFeatures(db) } };
  }, disposeNetworks);
  for (const [name, fit] of [...Object.entries(purchaseFits(btyd)), ['gamma_gamma', btyd.gamma_gamma] as const]) {
    if (fit.report.warnings.length) log.warn({ model: name, warnings: fit.report.warnings }, 'BTYD fit warnings');
  }
  if (trained?.status === 'rejected') throw trained.reason;
  return { cells: table.cells, btyd, neural: trained?.value, data };
}

/** A digest of the orders the models learnt from (count, amounts, dates), recorded with each model. */
export async function dataFingerprint(db: Database, asOf: string): Promise<string> {
  const row = await db.one(`SELECT count(*) AS n, CAST(sum(amount) AS VARCHAR) AS total, CAST(min(order_date) AS VARCHAR) AS first,
      CAST(max(order_date) AS VARCHAR) AS last, count(DISTINCT customer_id) AS customers
    FROM orders WHERE order_date <= CAST($1 AS DATE)`, [asOf]);
  return createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
}
