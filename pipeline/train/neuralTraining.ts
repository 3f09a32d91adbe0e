import { literal, type Database } from '../db/Database.js';
import { CHURN_ARCHITECTURES, VALUE_ARCHITECTURES, fitNetworks, scoreNeural, type Architectures, type NetworkRun, type NeuralModels } from '../learn/neuralModels.js';
import { TrainingStopped } from '../learn/trainPool.js';
import type { Logger } from '../log.js';
import { SNAPSHOTS_WITH_BTYD, featureBatches, readFeatureColumns } from './featureColumns.js';

/**
 * Trains the networks (learn/neuralModels.ts, fitNetworks) on the training
 * snapshots at `fitCutoffs` (with BG/NBD's view of each), with early
 * stopping and calibration on the later `validationCutoff`. A large base
 * trains on a sample of customers: at most `maxRows` snapshot rows to fit on.
 */
export async function trainNeuralModels(
  db: Database,
  fitCutoffs: string[],
  validationCutoff: string,
  seed: number,
  log: Logger,
  /** Architectures to try; by default every candidate (the scoring models reuse the backtest's choice); with epochs, trained that long. */
  architectures: Architectures = { churn: CHURN_ARCHITECTURES, value: VALUE_ARCHITECTURES },
  /** Snapshot rows to fit on at most; more are sampled by customer. */
  maxRows = 50_000,
  /** Fewer fitting rows than this and the networks are not trained (an error the caller notes). */
  minRows = 1000,
  /** Where they start, their threads, the callback for when one of them is trained (besideNetworks), what stops them. */
  run: NetworkRun = {},
): Promise<NeuralModels> {
  const inList = (cs: string[]) => `CAST(as_of AS VARCHAR) IN (${cs.map(literal).join(', ')})`;
  const snapshots = SNAPSHOTS_WITH_BTYD;
  // A large base trains on a sample of customers (the same customers in every cutoff, chosen by a
  // seeded hash, so the sample is reproducible and about as churn-balanced as the base).
  const rows = await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE ${inList(fitCutoffs)}`);
  const share = Math.min(1, maxRows / Math.max(1, rows));
  const sample = share < 1 ? ` AND hash(customer_id || ${literal(String(seed))}) % 1000000 < ${Math.ceil(share * 1_000_000)}` : '';
  // Stopped (run.signal), the rows are not read, or not trained on.
  const stopped = () => {
    if (run.signal?.aborted) throw new TrainingStopped();
  };
  stopped();
  const fit = await readFeatureColumns(db, snapshots, inList(fitCutoffs) + sample, true);
  const val = await readFeatureColumns(db, snapshots, inList([validationCutoff]) + sample, true);
  stopped();
  if (share < 1) log.info({ rows, sampled: fit.n, share: Number(share.toFixed(4)) }, 'training the networks on a sample of customers');
  return {
    ...(await fitNetworks(fit, val, seed, log, architectures, minRows, run)),
    window: { fitCutoffs, validationCutoff, fitRows: fit.n, validationRows: val.n },
  };
}

/**
 * `work` beside the networks' training `train` (started with the callback for when one of its two networks is
 * trained: trainNeuralModels' oneTrained), on the core that network frees. Training networks keeps both cores busy
 * until the first is trained, and the other then trains alone for a while (the value network is the longer):
 * work started earlier slows the networks by about what it takes, started then it fills the idle core. Without
 * threads of their own the networks train here, and `work` waits until they are trained; without a training
 * (`train` undefined) it runs at once. Returns `work`'s result and how the training ended (a failed training is
 * the caller's to say); a failure of `work` is thrown once the training has ended, its threads stopped, and the
 * networks it trained discarded.
 */
export async function besideNetworks<T, N>(
  train: ((oneTrained: () => void) => Promise<N>) | undefined, work: () => Promise<T>,
  /** Frees trained networks that a failed work leaves unused. */
  discard: (networks: N) => void = () => undefined,
): Promise<{ result: T; networks?: PromiseSettledResult<N> }> {
  if (!train) return { result: await work() };
  let free!: () => void;
  const freed = new Promise<void>((resolve) => (free = resolve));
  const settled = train(() => free()).then(
    (value): PromiseSettledResult<N> => ({ status: 'fulfilled', value }),
    (reason: unknown): PromiseSettledResult<N> => ({ status: 'rejected', reason }),
  );
  void settled.then(() => free());
  await freed;
  let result: T;
  try {
    result = await work();
  } catch (err) {
    const trained = await settled;
    if (trained.status === 'fulfilled') discard(trained.value);
    throw err;
  }
  return { result, networks: await settled };
}

/** Scores the rows of `source` (WHERE `where`) batch by batch, in customer order: whole columns of the scores. */
export async function scoreNeuralInOrder(db: Database, models: NeuralModels, source: string, where: string): Promise<{ churn: Float64Array; value: Float64Array; n: number }> {
  const parts: ReturnType<typeof scoreNeural>[] = [];
  for await (const batch of featureBatches(db, source, where, 65_536, { ordered: true })) parts.push(scoreNeural(models, batch.columns, batch.n));
  const n = parts.reduce((s, p) => s + p.churn.length, 0);
  const churn = new Float64Array(n);
  const value = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    churn.set(p.churn, at);
    value.set(p.value, at);
    at += p.churn.length;
  }
  return { churn, value, n };
}
