import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { literal, type Database } from '../db/Database.js';
import type { Logger } from '../log.js';
import { applyPlatt, fitPlatt, type PlattScaling } from './calibration.js';
import { folderLoader, folderSaver } from './modelIO.js';
import { predict, trainNetwork, type Matrix } from './network.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, fitPreprocessor, transform, type FeatureColumns, type PreprocessorState } from './preprocess.js';
import { tf } from './tfBackend.js';
import { zilnLoss, zilnPredict } from './ziln.js';

/** Architectures tried for each model; validation loss decides. */
export const CHURN_ARCHITECTURES = [[16], [32, 16], [64, 32]];
export const VALUE_ARCHITECTURES = [[32, 16], [64, 32]];

export interface NeuralModels {
  preprocessor: PreprocessorState;
  churn: { model: tf.LayersModel; hidden: number[]; platt: PlattScaling; validationLoss: number; epochs: number; candidates: { hidden: number[]; validationLoss: number }[] };
  value: { model: tf.LayersModel; hidden: number[]; validationLoss: number; epochs: number; candidates: { hidden: number[]; validationLoss: number }[] };
  window: { fitCutoffs: string[]; validationCutoff: string; fitRows: number; validationRows: number };
}


/** A features table (customer_features or training_snapshots) joined with BG/NBD's features at the same as-of. */
export const withBtydFeatures = (table: string) =>
  `(SELECT t.*, b.* EXCLUDE (as_of, customer_id) FROM ${table} t LEFT JOIN btyd_features b ON CAST(b.as_of AS DATE) = t.as_of AND b.customer_id = t.customer_id)`;

/** The query of the model inputs (and labels when the source has them): numbers as DOUBLE, categories as text. */
function featureColumnsSql(source: string, where: string, labels: boolean): string {
  const numeric = NUMERIC_FEATURES.map((f) => `CAST(${f.name} AS DOUBLE) AS ${f.name}`);
  const extra = labels ? [', CAST(churned AS DOUBLE) AS churned', ', CAST(greatest(future_spend, 0) AS DOUBLE) AS future_spend'] : [];
  return `SELECT customer_id, ${numeric.join(', ')}, ${CATEGORICAL_FEATURES.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')} ${extra.join('')}
    FROM ${source} WHERE ${where}`;
}

/** Feature columns (and labels when the source has them) as typed columns, in customer order. */
export async function readFeatureColumns(db: Database, source: string, where = 'true', labels = false): Promise<{ data: FeatureColumns; n: number }> {
  const data = await db.columns(`${featureColumnsSql(source, where, labels)} ORDER BY ${labels ? 'as_of, ' : ''}customer_id`);
  return { data, n: (data.customer_id as unknown[]).length };
}

/**
 * The same columns in batches of `rows` (no order: each row is scored on
 * its own), so that scoring holds one batch in memory whatever the base's size.
 */
export function featureBatches(db: Database, source: string, where = 'true', rows = 65_536, ordered = false): AsyncGenerator<{ columns: FeatureColumns; n: number }> {
  return db.batches(featureColumnsSql(source, where, false) + (ordered ? ' ORDER BY customer_id' : ''), undefined, rows);
}

/** Scores the rows of `source` (WHERE `where`) batch by batch, in customer order: whole columns of the scores. */
export async function scoreNeuralInOrder(db: Database, models: NeuralModels, source: string, where: string): Promise<{ churn: Float64Array; value: Float64Array; n: number }> {
  const parts: ReturnType<typeof scoreNeural>[] = [];
  for await (const batch of featureBatches(db, source, where, 65_536, true)) parts.push(scoreNeural(models, batch.columns, batch.n));
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

const column = (values: Float64Array): Matrix => ({ data: Float32Array.from(values), rows: values.length, cols: 1 });
/** The ZILN target: spend in the first of three columns, shaped like the network's outputs. */
const zilnTarget = (values: Float64Array): Matrix => {
  const data = new Float32Array(values.length * 3);
  values.forEach((v, i) => (data[i * 3] = v));
  return { data, rows: values.length, cols: 3 };
};

/**
 * Trains the churn classifier (an MLP with a sigmoid output, binary
 * cross-entropy, Platt-calibrated) and the value model (an MLP with the
 * zero-inflated lognormal head) on the snapshots at `fitCutoffs`, with early
 * stopping and calibration on the later `validationCutoff`. Each tries the
 * architectures above and keeps the one with the lowest validation loss.
 */
export async function trainNeuralModels(
  db: Database,
  fitCutoffs: string[],
  validationCutoff: string,
  seed: number,
  log: Logger,
  /** Architectures to try; by default the lists above (the scoring models reuse the backtest's choice). */
  architectures: { churn: number[][]; value: number[][] } = { churn: CHURN_ARCHITECTURES, value: VALUE_ARCHITECTURES },
  /** Snapshot rows to fit on at most; more are sampled by customer. */
  maxRows = 50_000,
): Promise<NeuralModels> {
  const inList = (cs: string[]) => `CAST(as_of AS VARCHAR) IN (${cs.map(literal).join(', ')})`;
  const snapshots = withBtydFeatures('training_snapshots');
  // A large base trains on a sample of customers (the same customers in every cutoff, chosen by a
  // seeded hash, so the sample is reproducible and about as churn-balanced as the base).
  const rows = await db.value<number>(`SELECT count(*) FROM training_snapshots WHERE ${inList(fitCutoffs)}`);
  const share = Math.min(1, maxRows / Math.max(1, rows));
  const sample = share < 1 ? ` AND hash(customer_id || ${literal(String(seed))}) % 1000000 < ${Math.ceil(share * 1_000_000)}` : '';
  const fit = await readFeatureColumns(db, snapshots, inList(fitCutoffs) + sample, true);
  const val = await readFeatureColumns(db, snapshots, inList([validationCutoff]) + sample, true);
  if (share < 1) log.info({ rows, sampled: fit.n, share: Number(share.toFixed(4)) }, 'training the networks on a sample of customers');
  if (fit.n < 50 || val.n < 20) throw new Error(`too few snapshot rows to train on (${fit.n} to fit, ${val.n} to validate)`);
  const preprocessor = fitPreprocessor(fit.data);
  const x: Matrix = { data: transform(preprocessor, fit.data, fit.n), rows: fit.n, cols: preprocessor.columns.length };
  const xVal: Matrix = { data: transform(preprocessor, val.data, val.n), rows: val.n, cols: preprocessor.columns.length };

  const yChurn = column(fit.data.churned as Float64Array);
  const yChurnVal = column(val.data.churned as Float64Array);
  const churn = await choose(architectures.churn, 'churn', log, x, yChurn, xVal, yChurnVal, (hidden, i) => ({
    hidden, outputs: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', seed: seed + 10 * i,
  }));
  const rawVal = Float64Array.from(predict(churn.best.model, xVal));
  const platt = fitPlatt(rawVal, val.data.churned as Float64Array);
  const value = await choose(architectures.value, 'value', log, x, zilnTarget(fit.data.future_spend as Float64Array), xVal, zilnTarget(val.data.future_spend as Float64Array), (hidden, i) => ({
    hidden, outputs: 3, activation: 'linear', loss: zilnLoss, seed: seed + 1000 + 10 * i,
  }));
  return {
    preprocessor,
    churn: { model: churn.best.model, hidden: churn.best.hidden, platt, validationLoss: churn.best.validationLoss, epochs: churn.best.epochs, candidates: churn.candidates },
    value: { model: value.best.model, hidden: value.best.hidden, validationLoss: value.best.validationLoss, epochs: value.best.epochs, candidates: value.candidates },
    window: { fitCutoffs, validationCutoff, fitRows: fit.n, validationRows: val.n },
  };
}

/** Above this many rows the architectures are compared on an even subsample; the chosen one then trains on all. */
const SEARCH_ROWS = 50_000;

/** Every `step`-th row of a matrix. */
function thin(m: Matrix, step: number): Matrix {
  const rows = Math.ceil(m.rows / step);
  const data = new Float32Array(rows * m.cols);
  for (let r = 0; r < rows; r++) data.set(m.data.subarray(r * step * m.cols, (r * step + 1) * m.cols), r * m.cols);
  return { data, rows, cols: m.cols };
}

/**
 * The best architecture for one model: compared on all rows when they are
 * few, otherwise on an even subsample (which keeps the search affordable at
 * a million customers), the chosen one then trained on all rows.
 */
async function choose(
  architectures: number[][],
  name: string,
  log: Logger,
  x: Matrix,
  y: Matrix,
  xVal: Matrix,
  yVal: Matrix,
  options: (hidden: number[], index: number) => Parameters<typeof trainNetwork>[4],
): ReturnType<typeof bestOf> {
  if (architectures.length < 2 || x.rows <= SEARCH_ROWS) {
    return bestOf(architectures, name, log, (hidden, i) => trainNetwork(x, y, xVal, yVal, options(hidden, i)));
  }
  const step = Math.ceil(x.rows / SEARCH_ROWS);
  const [xs, ys, xvs, yvs] = [thin(x, step), thin(y, step), thin(xVal, step), thin(yVal, step)];
  const search = await bestOf(architectures, name, log, (hidden, i) => trainNetwork(xs, ys, xvs, yvs, options(hidden, i)));
  search.best.model.dispose();
  const index = architectures.indexOf(search.best.hidden);
  log.info({ model: name, hidden: search.best.hidden, search_rows: xs.rows }, 'architecture chosen on a subsample; training it on all rows');
  const final = await bestOf([search.best.hidden], name, log, (hidden) => trainNetwork(x, y, xVal, yVal, options(hidden, index)));
  return { best: final.best, candidates: search.candidates.map((c) => ({ ...c, searchRows: xs.rows })) };
}

/** Trains one network per architecture and keeps the one with the lowest validation loss (the others are disposed). */
async function bestOf(
  architectures: number[][],
  name: string,
  log: Logger,
  train: (hidden: number[], index: number) => ReturnType<typeof trainNetwork>,
): Promise<{ best: Awaited<ReturnType<typeof trainNetwork>> & { hidden: number[] }; candidates: { hidden: number[]; validationLoss: number; searchRows?: number }[] }> {
  const candidates: { hidden: number[]; validationLoss: number }[] = [];
  let best: (Awaited<ReturnType<typeof trainNetwork>> & { hidden: number[] }) | undefined;
  for (const [i, hidden] of architectures.entries()) {
    const r = await train(hidden, i);
    candidates.push({ hidden, validationLoss: r.validationLoss });
    log.debug({ model: name, hidden, validation_loss: r.validationLoss, epochs: r.epochs }, 'candidate trained');
    if (!best || r.validationLoss < best.validationLoss) {
      best?.model.dispose();
      best = { ...r, hidden };
    } else r.model.dispose();
  }
  return { best: best!, candidates };
}

/** Calibrated churn probability, expected spend in the horizon and P(buy) for each row of `data`. */
export function scoreNeural(models: NeuralModels, data: FeatureColumns, n: number): { churn: Float64Array; value: Float64Array; pBuy: Float64Array } {
  const x: Matrix = { data: transform(models.preprocessor, data, n), rows: n, cols: models.preprocessor.columns.length };
  const churn = applyPlatt(models.churn.platt, predict(models.churn.model, x));
  const raw = predict(models.value.model, x);
  const outputs = tf.tensor2d(raw, [n, 3]);
  const { mean, pBuy } = zilnPredict(outputs);
  outputs.dispose();
  return { churn, value: Float64Array.from(mean), pBuy: Float64Array.from(pBuy) };
}

/** Saves both networks (model.json + weights.bin each) and the rest as JSON. */
export async function saveNeural(models: NeuralModels, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await models.churn.model.save(folderSaver(join(dir, 'churn')));
  await models.value.model.save(folderSaver(join(dir, 'value')));
  const { model: _c, ...churn } = models.churn;
  const { model: _v, ...value } = models.value;
  writeFileSync(join(dir, 'neural.json'), JSON.stringify({ preprocessor: models.preprocessor, churn, value, window: models.window }, null, 2) + '\n');
}

export async function loadNeural(dir: string): Promise<NeuralModels> {
  const meta = JSON.parse(readFileSync(join(dir, 'neural.json'), 'utf8')) as Omit<NeuralModels, 'churn' | 'value'> & {
    churn: Omit<NeuralModels['churn'], 'model'>;
    value: Omit<NeuralModels['value'], 'model'>;
  };
  return {
    ...meta,
    churn: { ...meta.churn, model: await tf.loadLayersModel(folderLoader(join(dir, 'churn'))) },
    value: { ...meta.value, model: await tf.loadLayersModel(folderLoader(join(dir, 'value'))) },
  };
}
