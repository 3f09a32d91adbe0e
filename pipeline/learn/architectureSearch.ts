import type { Logger } from '../log.js';
import { pickRows, type Matrix, type TrainResult } from './network.js';
import type { TrainPool, WireOptions } from './trainPool.js';

/** Above this many rows the architectures are compared on an even subsample; the chosen one then trains on all. */
const SEARCH_ROWS = 50_000;

/** Every `step`-th row of a matrix. */
const thin = (m: Matrix, step: number): Matrix => pickRows(m, Array.from({ length: Math.ceil(m.rows / step) }, (_, r) => r * step));

/**
 * The best architecture for one model: compared on all rows when they are
 * few, otherwise on an even subsample (which keeps the search affordable at
 * a million customers), the chosen one then trained on all rows. The
 * candidates train side by side on `pool`'s threads.
 */
export async function choose(
  architectures: number[][],
  name: string,
  log: Logger,
  x: Matrix,
  y: Matrix,
  xVal: Matrix,
  yVal: Matrix,
  options: (hidden: number[], index: number) => WireOptions,
  pool: TrainPool,
): ReturnType<typeof bestOf> {
  if (architectures.length < 2 || x.rows <= SEARCH_ROWS) {
    return bestOf(architectures, name, log, (hidden, i) => pool.train(x, y, xVal, yVal, options(hidden, i)));
  }
  const step = Math.ceil(x.rows / SEARCH_ROWS);
  const [xs, ys, xvs, yvs] = [thin(x, step), thin(y, step), thin(xVal, step), thin(yVal, step)];
  const search = await bestOf(architectures, name, log, (hidden, i) => pool.train(xs, ys, xvs, yvs, options(hidden, i)));
  search.best.model.dispose();
  const index = architectures.indexOf(search.best.hidden);
  log.info({ model: name, hidden: search.best.hidden, search_rows: xs.rows }, 'architecture chosen on a subsample; training it on all rows');
  const final = await bestOf([search.best.hidden], name, log, (hidden) => pool.train(x, y, xVal, yVal, options(hidden, index)));
  return { best: final.best, candidates: search.candidates.map((c) => ({ ...c, searchRows: xs.rows })) };
}

/** Trains one network per architecture (all at once: the pool says how many run together) and keeps the one with the lowest validation loss (the others are disposed; ties: the earlier). */
async function bestOf(
  architectures: number[][],
  name: string,
  log: Logger,
  train: (hidden: number[], index: number) => Promise<TrainResult>,
): Promise<{ best: TrainResult & { hidden: number[] }; candidates: { hidden: number[]; validationLoss: number; searchRows?: number }[] }> {
  const settled = await Promise.allSettled(architectures.map((hidden, i) => train(hidden, i)));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of settled) if (r.status === 'fulfilled') r.value.model.dispose();
    throw (failed as PromiseRejectedResult).reason;
  }
  const results = settled.map((r) => (r as PromiseFulfilledResult<TrainResult>).value);
  const candidates: { hidden: number[]; validationLoss: number }[] = [];
  let best: (TrainResult & { hidden: number[] }) | undefined;
  for (const [i, hidden] of architectures.entries()) {
    const r = results[i]!;
    candidates.push({ hidden, validationLoss: r.validationLoss });
    log.debug({ model: name, hidden, validation_loss: r.validationLoss, epochs: r.epochs }, 'candidate trained');
    if (!best || r.validationLoss < best.validationLoss) {
      best?.model.dispose();
      best = { ...r, hidden };
    } else r.model.dispose();
  }
  return { best: best!, candidates };
}
