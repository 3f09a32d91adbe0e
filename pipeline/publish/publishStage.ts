import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/Database.js';
import { DataError, isProgrammingError } from '../errors.js';
import type { FeaturesOutput } from '../features/featuresStage.js';
import type { Cmgr, RunManifest } from '../manifest.js';
import { readSql } from '../db/sqlFile.js';
import { secondsSince } from '../measure.js';
import type { Stage } from '../stage.js';
import type { TrainOutput } from '../train/trainStage.js';
import type { ScoreOutput } from '../score/scoreStage.js';
import { buildActionEffects, effectParams, type EffectParams } from '../effects/buildActionEffects.js';
import { buildKpis, type KpiParams } from './buildKpis.js';
import { publishPostgres, type PostgresTarget } from './publishPostgres.js';
import { redactUrl } from '../db/postgres.js';
import { renderReport } from './report.js';
import { loadReportData } from './reportData.js';
import { writeJson, writeRelease } from './releaseFiles.js';
import { copiedPrints, recordCopy } from './previousCopy.js';

export interface PublishParams extends KpiParams {
  effects: Omit<EffectParams, 'horizonDays'>;
  /** Publish into PostgreSQL too (publish.postgres.url set). */
  postgres?: PostgresTarget;
}

export interface PublishOutput {
  cmgr?: Cmgr;
  rejectedByReason: RunManifest['rejected_by_reason'];
  /** The release folder now published. */
  release: string;
  /** What went into PostgreSQL, when it is a target. */
  postgres?: { target: string; schema: string; seconds: number };
}

/**
 * The publish stage: the KPI tables, then the release folder (tables as
 * Parquet and CSV, metrics, report, the read-only database copy, the
 * manifest), switched in at once; this run's rows of
 * customer_scores_history and the published_scores that `fidelio list`
 * serves are recorded in the same step, so the contact history and the
 * lists hold what was published and nothing else.
 */
export const publishStage: Stage<PublishParams, Pick<FeaturesOutput, 'asOf' | 'customerPrints'> & Pick<TrainOutput, 'models'> & Pick<ScoreOutput, 'actionRates' | 'pastEffects'>, PublishOutput> = {
  name: 'publish',
  reads: ['customer_scores', 'customer_features', 'features_state', 'action_effects_past', 'orders', 'orders_left_out', 'rejected_rows', 'customer_scores_history', 'recorded_contacts', 'customers', 'personas', 'segment_personas', 'persona_choice'],
  writes: ['kpis_customer_days', 'kpis_state_meta', 'kpis_monthly', 'kpis_by_group', 'action_effects', 'customer_scores_history', 'published_scores', 'customer_scores', 'published_copy'],
  outside: 'writes the release folder and switches --out to it; publishes into PostgreSQL (publish.postgres)',
  params: (c: Config) => ({
    horizonDays: c.horizonDays, currency: c.currency, cmgrMonths: c.kpis.cmgrMonths, costs: c.costs,
    effects: effectParams(c),
    ...(c.publish.postgres.url ? { postgres: { url: c.publish.postgres.url, schema: c.publish.postgres.schema, lockTimeoutSeconds: c.publish.postgres.lockTimeoutSeconds } } : {}),
  }),
  async run(ctx, p, { asOf, customerPrints, models, actionRates, pastEffects }) {
    const started = performance.now();
    const { db, runId, step } = ctx;
    const { publication } = ctx;
    const target = p.postgres && { target: redactUrl(p.postgres.url), schema: p.postgres.schema };
    let databaseSwitched = false;
    let record: Database | undefined;
    let recording: Promise<void> | undefined;
    try {
      const { cmgr, days } = await step('KPIs', () => buildKpis(db, asOf, p, customerPrints));
      if (days.how === 'kept') ctx.log.info({ rebuilt: days.rebuilt }, `kpis_monthly: the purchase days of ${days.rebuilt} customers read again from their orders (orders changed or dated since the last run), the others' carried`);
      else if (days.how === 'full') ctx.log.info({ customers: days.rebuilt, why: days.why }, `kpis_monthly: every customer's purchase days read from the orders (${days.why})`);
      await step('action effects', () => buildActionEffects(db, runId, asOf, { ...p.effects, horizonDays: p.horizonDays }, pastEffects));
      const rejectedByReason = await db.all<NonNullable<RunManifest['rejected_by_reason']>[number]>(readSql('publish/rejected_by_reason.sql'), { run_id: runId });
      const leftOut = await db.all<{ order_status: string; orders: number; amount: number }>(readSql('publish/report_left_out.sql'));
      const dir = publication.staging(runId);
      // This run's rows of the score history (the stage's largest write but the release's) are made on a connection
      // of their own while the release is written, in a transaction that also makes the scores `fidelio list`
      // serves and commits only once the release is published: until then no other connection sees them.
      record = await db.beside();
      await record.run('BEGIN TRANSACTION');
      const recordingOn = record;
      recording = step('score history', async () => {
        await recordingOn.run(`INSERT INTO customer_scores_history ${readSql('publish/customer_scores_history.sql')}`, { run_id: runId, horizon: p.horizonDays });
      });
      recording.catch(() => undefined); // awaited below, or settled before the failure is handled
      const report = async (on: Database) => renderReport(await loadReportData(on, runId), {
        runId, asOf, horizonDays: p.horizonDays, currency: p.currency, modelVersion: models.version, metrics: models.metrics, cmgr: cmgr?.value ?? null, minGroup: p.effects.minGroup, actionRates,
      });
      const current = publication.current();
      await writeRelease(db, dir, runId, p.horizonDays, models.metrics, report, step,
        { runId, asOf, horizonDays: p.horizonDays, currency: p.currency, modelVersion: models.version },
        current ? join(publication.releases, current, 'fidelio.duckdb') : undefined);
      // The published manifest times publication up to its own writing; the database's copy has the full figure.
      const manifest = ctx.manifest();
      const published = {
        ...manifest, cmgr, rejected_by_reason: rejectedByReason, ...(leftOut.length ? { orders_left_out: leftOut.map((r) => ({ order_status: r.order_status, orders: Number(r.orders), amount: Number(r.amount) })) } : {}), outcome: 'succeeded', finished_at: new Date().toISOString(),
        stages: [...manifest.stages, { name: 'publish', seconds: secondsSince(started) }],
        ...(target ? { postgres: target } : {}),
      };
      writeJson(join(dir, 'run_manifest.json'), published);
      // PostgreSQL first, in one transaction; then the files and the contact history, switched together.
      // A failure before PostgreSQL's commit leaves both publications as they were.
      let postgres: PublishOutput['postgres'];
      if (p.postgres) {
        const pgTarget = p.postgres;
        const done = await step('PostgreSQL', () => publishPostgres(db, pgTarget, {
          runId, asOf, horizonDays: p.horizonDays, startedAt: manifest.started_at, modelVersion: models.version, currency: p.currency, metrics: models.metrics, manifest: published,
        }, ctx.log));
        databaseSwitched = true;
        postgres = { target: done.target, schema: done.schema, seconds: done.seconds };
      }
      // The contact history and the scores that `fidelio list` serves change in the step that publishes them.
      await recording;
      // The scores `fidelio list` serves become published_scores by name, not by a copy of a million rows, and
      // customer_scores stays as a view of them for its readers until the next run's score stage writes its own
      // table (already a view when nothing was scored since the last publication). Done once the release is
      // written: its database copy is detached by then, and a catalog change made while it was attached would
      // hold it open past its DETACH (it would be left with a write-ahead log).
      if (await record.isTable('customer_scores')) {
        await record.run(`DROP TABLE IF EXISTS published_scores; ALTER TABLE customer_scores RENAME TO published_scores;
          CREATE VIEW customer_scores AS SELECT * FROM published_scores`);
      }
      // What the next run checks to start its copy from this one without reading either history or writing the customers again.
      await recordCopy(record, runId, join(dir, 'fidelio.duckdb'), await copiedPrints(record));
      const release = publication.commit(runId);
      await record.run('COMMIT');
      return { cmgr, rejectedByReason, release, ...(postgres ? { postgres } : {}) };
    } catch (err) {
      await recording?.catch(() => undefined);
      await record?.run('ROLLBACK').catch(() => undefined);
      if (isProgrammingError(err)) throw err;
      const where = target ? `${publication.out} and in PostgreSQL ${target.target} schema ${target.schema}` : publication.out;
      const intact = databaseSwitched
        ? `PostgreSQL ${target!.target} schema ${target!.schema} holds this run's tables, while ${publication.out} still holds the previous release (the next run publishes both again)`
        : `The previous publication in ${where} is intact`;
      throw new DataError(`publication failed: ${(err as Error).message}. ${intact}; ${target && !databaseSwitched ? 'fix the cause' : 'free space or fix the folder'} and run again.`, { cause: err });
    } finally {
      record?.close();
    }
  },
  manifest: (out) => ({ cmgr: out.cmgr, rejected_by_reason: out.rejectedByReason, ...(out.postgres ? { postgres: out.postgres } : {}) }),
};
