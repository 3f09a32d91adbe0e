import { createHash } from 'node:crypto';
import { purchaseFits, type BgNbdFit, type BtydModels } from '../btyd/fitBtyd.js';
import type { Database } from '../db/Database.js';
import { networkWindows, type SnapshotPlan } from '../features/snapshots.js';
import { chosenArchitectures, disposeNetworks, startWeights, type NetworkRun, type NeuralModels } from '../learn/neuralModels.js';
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
  /**
   * Train the networks (one of them is a champion), with the backtest's chosen architectures, starting from its
   * networks' weights; or take them from `trained`, their training already started (RefitNetworksAhead).
   */
  networks?: { architectures?: { churn: number[][]; value: number[][] }; start?: Pick<NeuralModels, 'churn' | 'value'>; trained?: Promise<NeuralModels> };
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
  const started = networks?.trained;
  // Networks whose training started earlier leave a core free already (the work starts at once).
  const train = started
    ? (oneTrained: () => void) => {
        oneTrained();
        return started;
      }
    : networks && ((oneTrained: () => void) =>
      step('networks', () => refitNetworks(db, plan, asOf, o, { ...(networks.start ? { start: startWeights(networks.start) } : {}), threads: o.threads, oneTrained }, log)));
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

/**
 * The refit's networks: trained on the cutoffs up to the holdout's, stopping early and calibrating on the holdout
 * cutoff or the season ahead (networkWindows), with the backtest's chosen architectures
 * (`o.networks.architectures`) and `run` (where they start, their threads).
 */
function refitNetworks(db: Database, plan: SnapshotPlan, asOf: string, o: RefitOptions, run: NetworkRun, log: Logger): Promise<NeuralModels> {
  const w = networkWindows([...plan.trainCutoffs, plan.holdoutCutoff], asOf, plan.holdoutCutoff, o.horizonDays);
  return trainNeuralModels(db, w.fit, w.validation, o.seed, log, o.networks?.architectures, o.maxTrainingRows, o.minNetworkRows, run);
}

/**
 * The refit's networks started as soon as the backtest's are trained (runBacktest's onNetworks), while the
 * backtest's probabilistic models end and the champions are chosen: they train on threads of their own from
 * the backtest's weights (copied when started) with its architectures, reading their rows on a connection of
 * their own, and give the networks refitForScoring would have trained after the choice, weight for weight.
 * Started only where the networks train on threads (trainsOnThreads): in the main thread they would only
 * interleave with the backtest's work. Should no network become a champion, `stop` ends their training.
 */
export class RefitNetworksAhead {
  private readonly stopping = new AbortController();
  private started?: Promise<NeuralModels>;
  private taken = false;

  constructor(
    private readonly db: Database, private readonly plan: SnapshotPlan, private readonly asOf: string,
    private readonly o: Omit<RefitOptions, 'networks'>, private readonly step: Step, private readonly log: Logger,
  ) {}

  /** Starts the training from the backtest's `networks` (their architectures and weights); not once stopped. */
  start(networks: NeuralModels): void {
    if (this.stopping.signal.aborted) return;
    const options: RefitOptions = { ...this.o, networks: { architectures: chosenArchitectures(networks) } };
    const run: NetworkRun = { start: startWeights(networks), threads: this.o.threads, signal: this.stopping.signal };
    this.started = this.step('networks', () => this.db.onBeside((reading) => refitNetworks(reading, this.plan, this.asOf, options, run, this.log)));
    // Awaited by refitForScoring, or settled by stop.
    this.started.catch(() => undefined);
  }

  /** The networks' training, once started and not stopped, taken by the caller: the networks are theirs (stop no longer disposes them). */
  take(): Promise<NeuralModels> | undefined {
    this.taken = this.started !== undefined;
    return this.started;
  }

  /**
   * Stops the training, if started, and waits until it has ended; networks it trained meanwhile and nobody took are
   * disposed. Once stopped there is nothing to take, and stopping again does nothing.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    const started = this.started;
    this.started = undefined;
    const trained = await started?.catch(() => undefined);
    if (trained && !this.taken) disposeNetworks(trained);
  }
}

/** A digest of the orders the models learnt from (count, amounts, dates), recorded with each model. */
export async function dataFingerprint(db: Database, asOf: string): Promise<string> {
  const row = await db.one(`SELECT count(*) AS n, CAST(sum(amount) AS VARCHAR) AS total, CAST(min(order_date) AS VARCHAR) AS first,
      CAST(max(order_date) AS VARCHAR) AS last, count(DISTINCT customer_id) AS customers
    FROM orders WHERE order_date <= CAST($1 AS DATE)`, [asOf]);
  return createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 16);
}
