import type { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { UsageError } from '../errors.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { untimed, type Step } from '../measure.js';
import { featureBatches, withBtydFeatures } from '../train/featureColumns.js';
import type { ActionRate } from './actionRates.js';
import { assignPersonas, type PersonaFit } from './personas.js';
import type { Logger } from '../log.js';
import { networkDecides, occlusionReasons } from './occlusionReasons.js';
import { reasonPlan } from './reasons.js';
import { ReasonsPool } from './reasonsPool.js';
import { customerScoresParams, customerScoresSql, type ScoreParams } from './scoreParams.js';
import { UPLIFT_TERMS_DDL } from './upliftModel.js';

/**
 * value_scores: the value champion's horizon spend and 12-month CLV
 * (value_scores_network.sql or value_scores_btyd.sql). The network's CLV
 * takes the base's median ratio where a customer's own is undefined: a
 * figure over everyone, so it is computed here, once, not per partition.
 */
async function buildValueScores(db: Database, models: TrainedModels): Promise<void> {
  const sql = readSql(models.valueModel === 'neural' ? 'score/value_scores_network.sql' : 'score/value_scores_btyd.sql');
  await db.replaceTablePlainText('value_scores', sql);
}

/** customer_scores (customer_scores.sql), returning its rows; a configured SQL condition that does not run is a usage error. */
async function buildCustomerScores(db: Database, models: TrainedModels, p: ScoreParams, rates: readonly ActionRate[]): Promise<number> {
  // The uplift models' coefficients (upliftModel.ts; the score stage writes them): none when it has not.
  await db.run(UPLIFT_TERMS_DDL);
  // After a publication, customer_scores is a view of the published_scores it became (publishStage): this run's
  // table takes its name, in one transaction, so that a failure (a configured condition that does not run, a kill)
  // leaves the view, which the next run's measured rates read (action_effects.sql).
  const replacesView = await db.isView('customer_scores');
  try {
    if (replacesView) await db.run('BEGIN TRANSACTION; DROP VIEW customer_scores');
    // The top_value flag reads its first rows by a number from this count (customer_scores.sql): right while the
    // table has at most one row per customer of customer_features (a count that reads no column).
    const customers = await db.value<number>('SELECT count(*) FROM customer_features');
    await db.replaceTablePlainText('customer_scores', customerScoresSql(p.scoring, customers), customerScoresParams(p, models.version, rates), replacesView);
    const scored = await db.value<number>('SELECT count(*) FROM customer_scores');
    if (scored > customers) throw new Error(`customer_scores holds ${scored} rows for the ${customers} customers of customer_features: a model table holds a customer more than once`);
    if (replacesView) await db.run('COMMIT');
    return scored;
  } catch (err) {
    if (replacesView) await db.run('ROLLBACK').catch(() => undefined);
    const s = p.scoring;
    const custom = [s.vip.expression, ...s.flags.custom.map((f) => f.expression)].filter(Boolean);
    if (custom.length && /Binder Error|Parser Error|Conversion Error/.test((err as Error).message)) {
      throw new UsageError(`scoring: a configured SQL condition (scoring.vip.expression or scoring.flags.custom) does not run: ${(err as Error).message.split('\n')[0]}`, [], { cause: err });
    }
    throw err;
  }
}

/** personas (each persona's size, value, churn and actions) and segment_personas (each RFM segment's persona mix). */
async function summarisePersonas(db: Database): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE personas AS ${readSql('score/personas.sql')}`);
  await db.run(`CREATE OR REPLACE TABLE segment_personas AS ${readSql('score/segment_personas.sql')}`);
}

/**
 * The customers shown with their reasons, over customer_scores: those to contact (every action's list and
 * `fidelio list at-risk-vip` carry only them), the ambassadors (`fidelio list ambassador`, contacted or not), and
 * the VIPs to save or win back (the report's held-back at-risk VIPs, report_at_risk_vips.sql) or at high churn
 * risk (the report's VIPs now at high risk, report_vips_to_high.sql), whatever their contact.
 */
export const SHOWN_WITH_REASONS = "contact OR is_ambassador OR (is_vip AND (action IN ('save', 'win_back') OR churn_risk = 'high'))";

/**
 * The network's reasons for the customers a marketer reads them for
 * (SHOWN_WITH_REASONS): those to contact (`contact`: given an action, within
 * budget, not opted out, in cooldown or held back as control), whom the
 * action lists carry, the ambassadors, whom their list carries, and the VIPs
 * to save or win back or at high churn risk, whom the report shows even when
 * held back and marketing pulls from the published table. The others keep
 * customer_scores.sql's plain reasons: among them the held-back VIPs to
 * surprise at low or medium risk who are not ambassadors, whom no list and
 * no part of the report shows (the published table and the customer's page
 * show every customer's reasons, of either kind). Occlusion of each group
 * of inputs against a typical customer, streamed in batches.
 */
export async function networkReasons(db: Database, models: TrainedModels, p: ScoreParams, batchRows: number, explain: typeof occlusionReasons, log?: Logger): Promise<void> {
  const networks = models.neural!;
  const typicalGapDays = (await db.value<number | null>('SELECT median(gap_mean_days) FROM customer_features WHERE purchase_days >= 3')) ?? NaN;
  const context = { typicalGapDays, recentShare: p.scoring.recentShare };
  await db.run('CREATE OR REPLACE TEMP TABLE occlusion_reasons (customer_id VARCHAR, reasons VARCHAR)');
  const acted = `customer_id IN (SELECT customer_id FROM customer_scores WHERE ${SHOWN_WITH_REASONS})`;
  // The bounds of each batch on a thread of their own (reasonsPool.ts), the network here on what they leave undecided:
  // the texts of occlusionReasons. Batches are kept in hand while their threads work and written in the order read.
  const bounded = explain === occlusionReasons;
  const plan = bounded ? reasonPlan(networks, context) : undefined;
  const pool = new ReasonsPool(bounded ? p.threads ?? 1 : 1);
  const inHand: { ids: string[]; texts: Promise<string[]> }[] = [];
  const writeOldest = async () => {
    const batch = inHand.shift()!;
    await db.appendColumns('occlusion_reasons', [batch.ids, await batch.texts]);
  };
  try {
    // In customer order: the filter leaves DuckDB's chunks of rows a fifth full, and each chunk's sixty columns are
    // read one by one (a cost per chunk, not per row); sorted, the rows come in full chunks (at a million customers,
    // the 200,000 explained were read in about 1.2 s unsorted and 0.6 s sorted). The texts are each customer's own.
    // The numbers in SharedArrayBuffers where threads bound the batches: each thread reads them in place (copied to it,
    // they were 0.9 s of this thread at a million customers, where 200,000 are explained).
    for await (const batch of featureBatches(db, withBtydFeatures('customer_features'), acted, batchRows, { ordered: true, shared: pool.parallel })) {
      const which = Array.from({ length: batch.n }, (_, i) => i);
      // The features without the ids, which the texts do not read: less to copy to a thread.
      const { customer_id: ids, ...features } = batch.columns;
      const texts = plan
        ? pool.bound(plan, features, batch.n, which).then((b) => networkDecides(networks.churn, plan, b, features, which))
        : Promise.resolve().then(() => explain(networks, batch.columns, batch.n, which, context));
      // Awaited in order by writeOldest; a batch left behind by an earlier failure is not an unhandled rejection.
      texts.catch(() => undefined);
      inHand.push({ ids: ids as string[], texts });
      if (inHand.length >= pool.width) await writeOldest();
    }
    while (inHand.length) await writeOldest();
  } finally {
    await pool.close();
    if (pool.failures.length) log?.warn({ failures: pool.failures.length, first: pool.failures[0]!.split('\n')[0] }, 'reasons: a thread could not bound its batch of customers; it and the later batches were bounded in the main thread instead (the same texts, more slowly)');
  }
  await db.run(`UPDATE customer_scores s SET reasons = r.reasons FROM occlusion_reasons r WHERE r.customer_id = s.customer_id AND r.reasons <> '';
    DROP TABLE occlusion_reasons`);
}

/**
 * The part of scoring that ranks customers against each other (value
 * tiers, the VIP cut, segments, actions and their budget): value_scores and
 * customer_scores from the model tables, then the network's reasons for
 * the customers to contact and the VIPs given an action. Runs once over
 * every customer.
 */
export async function rankCustomers(
  db: Database, models: TrainedModels, p: ScoreParams, step: Step = untimed, batchRows = 65_536, rates: readonly ActionRate[] = [],
  /** The network's explanation of a batch (occlusionReasons; a test gives its own to see whom it explains). */
  explain: typeof occlusionReasons = occlusionReasons,
): Promise<number> {
  return (await rankAndPersonas(db, models, p, step, batchRows, rates, explain)).scored;
}

/** rankCustomers, with the personas it used: the model version's kept ones (models.personas), or fitted now for the version to keep. */
export async function rankAndPersonas(
  db: Database, models: TrainedModels, p: ScoreParams, step: Step = untimed, batchRows = 65_536, rates: readonly ActionRate[] = [],
  explain: typeof occlusionReasons = occlusionReasons,
  /** Where a reasons thread's failure is said (the texts are the same). */
  log?: Logger,
): Promise<{ scored: number; personas: PersonaFit }> {
  // value_scores on a connection of its own while the personas are assigned (mostly one thread's work on this one).
  const valueScores = db.onBeside((other) => buildValueScores(other, models));
  // Awaited below with the personas; a failure before then is not an unhandled rejection.
  valueScores.catch(() => undefined);
  const asOf = await db.value<string>('SELECT CAST(max(as_of) AS VARCHAR) FROM customer_features');
  const assigned = step('personas', () => assignPersonas(db, asOf ?? '1970-01-01', p.seed, p.scoring.personas, p.currency, batchRows, models.personas));
  // Both end before either's failure is thrown.
  const [personasDone, valueDone] = await Promise.allSettled([assigned, valueScores]);
  for (const r of [personasDone, valueDone]) if (r.status === 'rejected') throw r.reason;
  const personas = (personasDone as PromiseFulfilledResult<PersonaFit>).value;
  // Its rows: the reasons and the persona summaries after it change no row's presence.
  const scored = await step('customer_scores', () => buildCustomerScores(db, models, p, rates));
  if (models.churnModel === 'neural' && models.neural) await step('reasons', () => networkReasons(db, models, p, batchRows, explain, log));
  await step('persona summaries', () => summarisePersonas(db));
  return { scored, personas };
}
