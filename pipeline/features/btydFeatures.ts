import { bgnbdPAlive, bgnbdProbabilityNoPurchase, fitBgNbd } from '../btyd/bgnbd.js';
import { purchaseModel } from '../btyd/purchaseModel.js';
import type { BgNbdFit } from '../btyd/fitBtyd.js';
import { columnsOf, fitAway, type FitRequest } from '../btyd/fitThread.js';
import { seasonalDays } from '../btyd/season.js';
import type { Summary } from '../btyd/summary.js';
import { UNCOMPRESSED_TEXT, type Database } from '../db/Database.js';
import type { Logger } from '../log.js';
import { readSql } from '../db/sqlFile.js';
import { workerScript } from '../shared/workerScript.js';
import { historyColumns, historyRows, readHistories, type Histories, type HistoryColumns } from './btydHistories.js';
import { learnSeason } from './btydSeason.js';
import { BTYD_FEATURE_COLUMNS, BTYD_FEATURE_FIGURES, createBtydFeaturesView, createFigures, forgetBtydFeatures } from './btydFeaturesView.js';
import { readSummaries, readSummary } from './btydSummary.js';
import type { Customers, SampleTables } from './trainingSample.js';

/**
 * BG/NBD's three figures per customer of `scored`; `horizon` in the fit's
 * (seasonal) time. Customer by customer: at as-of a million customers hold
 * about two thirds of a million distinct histories, so grouping them first
 * (groupSummaries) costs more than the few logarithms it would save.
 */
function bgnbdFigures(fit: BgNbdFit, scored: HistoryColumns, horizon: number): [Float64Array, Float64Array, Float64Array] {
  const expectedIn = purchaseModel('bgnbd', fit.params).curve([horizon]);
  const n = scored.x.length;
  const [pAlive, expected, pNone] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    const x = scored.x[i]!;
    const t_x = scored.t_x[i]!;
    const T = scored.T[i]!;
    pAlive[i] = bgnbdPAlive(fit.params, x, t_x, T);
    expected[i] = expectedIn(x, t_x, T)[0]!;
    pNone[i] = bgnbdProbabilityNoPurchase(fit.params, horizon, x, t_x, T);
  }
  return [pAlive, expected, pNone];
}

/** A summary's rows (readSummary) as histories' columns. */
const asHistories = (s: Summary): Histories => ({
  ids: s.ids, x: Float64Array.from(s.rows, (r) => r.x), t_x: Float64Array.from(s.rows, (r) => r.t_x), T: Float64Array.from(s.rows, (r) => r.T),
});

/**
 * The figures of BG/NBD's `fit` for every history of `scored` at `cutoff`
 * (btyd_features' four columns but the as-of and the id), the horizon in
 * the seasonal time of the profile learnt from the orders of table
 * `seasonSource` (null without `season`).
 */
async function cutoffFigures(
  db: Database, cutoff: string, scored: HistoryColumns, fit: BgNbdFit,
  seasonSource: string, horizonDays: number, unitDays: number, season: boolean,
): Promise<Float64Array[]> {
  const profile = season ? await learnSeason(db, seasonSource, cutoff) : null;
  const seasonal = seasonalDays(profile, cutoff, horizonDays);
  return [...bgnbdFigures(fit, scored, seasonal / unitDays), new Float64Array(scored.x.length).fill(seasonal / horizonDays)];
}

/** cutoffFigures' figures appended to `table` with the cutoff and each history's id. */
async function appendCutoff(
  db: Database, table: string, cutoff: string, scored: Histories, fit: BgNbdFit,
  seasonSource: string, horizonDays: number, unitDays: number, season: boolean,
): Promise<void> {
  const figures = await cutoffFigures(db, cutoff, scored, fit, seasonSource, horizonDays, unitDays, season);
  await db.appendColumns(table, [scored.ids.map(() => cutoff), scored.ids, ...figures]);
}

/**
 * BG/NBD fitted on each summary of `fitOn` (by cutoff, those with histories), on a thread of their own
 * (btyd/fitThread.ts, fitAway) while the caller goes on: a promise of the fits by cutoff, the same figures as
 * fitBgNbd's here. Where the thread cannot make them, an empty map after `log` says why (the caller fits here).
 */
async function bgnbdAway(fitOn: ReadonlyMap<string, Summary>, script: string | false | undefined, log?: Logger): Promise<Map<string, BgNbdFit>> {
  const cutoffs = [...fitOn.keys()].filter((cutoff) => fitOn.get(cutoff)!.rows.length > 0);
  if (cutoffs.length === 0 || script === false) return new Map();
  const requests: FitRequest[] = cutoffs.map((cutoff) => ({ ...columnsOf(fitOn.get(cutoff)!.rows), fits: [['bgnbd', undefined]], limits: {} }));
  const thread = script ?? workerScript('btyd/fitWorker.js');
  if (!thread) return new Map();
  const away = await fitAway(requests, thread).catch((err: Error) => ({ failure: err.stack ?? String(err) }));
  if ('failure' in away) {
    log?.warn({ failure: away.failure.split('\n')[0] }, 'BG/NBD\'s fits per cutoff could not be made on a thread of their own: they are made in the main thread instead');
    return new Map();
  }
  // Each request asked for BG/NBD's fit alone: its parameters are BG/NBD's.
  return new Map(cutoffs.map((cutoff, i) => [cutoff, away.fits[i]![0] as BgNbdFit]));
}

const createTable = (db: Database, table: string) =>
  db.run(`CREATE OR REPLACE TABLE ${table} (as_of ${UNCOMPRESSED_TEXT}, customer_id ${UNCOMPRESSED_TEXT}, ${BTYD_FEATURE_COLUMNS.map((c) => `${c} DOUBLE`).join(', ')})`);

/**
 * BG/NBD's view of each customer as features for the learnt models: for
 * every cutoff, BG/NBD is fitted on the orders up to that cutoff only (so
 * no snapshot sees a parameter learnt from its future) and gives P(alive),
 * expected purchases in the horizon and P(no purchase in the horizon),
 * the horizon measured in the seasonal time of the profile learnt from the
 * same orders (season.ts), whose mean index over the horizon is the fourth
 * figure, btyd_season_index (1 without a profile): the networks learn
 * what a busy or a quiet season ahead does to churn and spend.
 * Table `table` (as_of as text, customer_id, four columns): `btyd_features`
 * (the features stage's, at as-of) or `training_btyd_features` (the train
 * stage's, at the training cutoffs and the holdout).
 *
 * The training cutoffs hold the customers of the training snapshots
 * (`who.sampled`: the training sample's, or everyone's); the `everyone`
 * cutoffs (the holdout and as-of) every customer. Each fit reads
 * `who.fitOn`'s histories; every cutoff's fit is returned (the train stage
 * reuses the holdout's and as-of's). The summaries of every cutoff are read
 * in one pass per table of orders (readSummaries), not one per cutoff: the
 * fitted-on ones first, whose fits are then made on a thread of their own
 * (bgnbdAway, with `threaded.threads` above 1) while the scored ones are
 * read, when those are other customers' (a sample scored, a part of it fitted).
 */
export async function buildBtydFeatures(
  db: Database,
  tables: SampleTables,
  cutoffs: { sample: string[]; everyone: string[] },
  horizonDays: number,
  who: { sampled: Customers; fitOn: Customers } = { sampled: 'all', fitOn: 'all' },
  unitDays = 7,
  season = true,
  table = 'btyd_features',
  /**
   * With `threads` above 1 the fits are made on a thread of their own (`script`, the compiled worker by default;
   * false: here), a failure of it said in `log`; with one thread (the default), here.
   */
  threaded: { threads?: number; log?: Logger; script?: string | false } = {},
): Promise<Map<string, BgNbdFit>> {
  // The features stage's btyd_features is a view (btydFeaturesView.ts): a table of that name replaces it and its figures.
  if (table === 'btyd_features') await forgetBtydFeatures(db);
  await createTable(db, table);
  const fits = new Map<string, BgNbdFit>();
  const everyone = new Set(cutoffs.everyone);
  const all = [...new Set([...cutoffs.sample, ...cutoffs.everyone])];
  const scoredBy = (cutoff: string): Customers => (everyone.has(cutoff) ? 'all' : who.sampled);
  // Every summary this needs, read in one pass per table of orders (whose cutoffs, each scored or fitted on): those
  // fitted on first, every cutoff's, so that their fits are made on a thread of their own while the others are read.
  const needs = new Map<Customers, string[]>([[who.fitOn, all]]);
  for (const cutoff of all) {
    const whose = scoredBy(cutoff);
    if (whose !== who.fitOn) needs.set(whose, [...(needs.get(whose) ?? []), cutoff]);
  }
  const summaries = new Map<Customers, Map<string, Summary>>();
  let away: Promise<Map<string, BgNbdFit>> | undefined;
  try {
    for (const [whose, at] of needs) {
      const source = await tables.orders(whose);
      summaries.set(whose, at.length === 1 ? new Map([[at[0]!, await readSummary(db, source, at[0]!, unitDays)]]) : await readSummaries(db, source, at, unitDays));
      away ??= (threaded.threads ?? 1) > 1 ? bgnbdAway(summaries.get(whose)!, threaded.script, threaded.log) : Promise.resolve(new Map());
    }
  } catch (err) {
    // The thread's fits are not needed: it ends with them (bgnbdAway never rejects) before the failure is thrown.
    await away;
    throw err;
  }
  const made = (await away) ?? new Map<string, BgNbdFit>();
  const summary = (cutoff: string, whose: Customers) => summaries.get(whose)!.get(cutoff)!;
  for (const cutoff of all) {
    const scored = summary(cutoff, scoredBy(cutoff));
    if (scored.rows.length === 0) continue;
    const fit = made.get(cutoff) ?? fitBgNbd(summary(cutoff, who.fitOn).rows);
    const seasonSource = season ? await tables.orders(who.fitOn) : '';
    await appendCutoff(db, table, cutoff, asHistories(scored), fit, seasonSource, horizonDays, unitDays, season);
    fits.set(cutoff, fit);
  }
  return fits;
}

/**
 * The features stage's `btyd_features`: BG/NBD's view of every customer of
 * customer_features at its as-of `asOf`, as buildBtydFeatures gives it for
 * an `everyone` cutoff (fitted on `fitOn`'s histories, applied to every
 * customer, in the seasonal time of the profile of `fitOn`'s orders), the
 * histories read from customer_features (btydHistories.ts) instead of
 * another pass over the orders. A view of customer_features' rows beside
 * their figures by position (btydFeaturesView.ts): the figures are appended
 * as numbers alone, in its row order. Returns the fit, by as-of.
 */
export async function buildAsOfBtydFeatures(
  db: Database,
  tables: SampleTables,
  asOf: string,
  horizonDays: number,
  fitOn: 'all' | 'fit',
  unitDays = 7,
  season = true,
): Promise<Map<string, BgNbdFit>> {
  await forgetBtydFeatures(db);
  await createFigures(db);
  // The histories in customer_features' row order (btyd_histories.sql), which the view pairs the figures with.
  const scored = await historyColumns(db, `SELECT x, t_x, "T" FROM (${readSql('features/btyd_histories.sql')})`, { unit_days: unitDays });
  const fits = new Map<string, BgNbdFit>();
  if (scored.x.length > 0) {
    const fitRows = historyRows(fitOn === 'all' ? scored : await readHistories(db, 'fit', unitDays));
    const seasonSource = season ? await tables.purchases(fitOn) : '';
    const fit = fitBgNbd(fitRows);
    await db.appendColumns(BTYD_FEATURE_FIGURES, await cutoffFigures(db, asOf, scored, fit, seasonSource, horizonDays, unitDays, season));
    fits.set(asOf, fit);
  }
  await createBtydFeaturesView(db, asOf);
  return fits;
}
