import type { Database } from '../db/Database.js';
import type { FeaturesOutput } from '../features/featuresStage.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { untimed, type Step } from '../measure.js';
import type { Stage } from '../stage.js';
import type { TrainOutput } from '../train/trainStage.js';
import { actionRates, type ActionRate } from './actionRates.js';
import { rankAndPersonas } from './rankCustomers.js';
import type { PersonaFit } from './personas.js';
import { savePersonaModel } from '../registry/registry.js';
import type { Logger } from '../log.js';
import { scoreModels } from './scoreModels.js';
import { scoreParams, type ScoreParams } from './scoreParams.js';
import { upliftTargeting } from './upliftModel.js';
import { ACTIONS } from '../shared/actionRate.js';
import { isProgrammingError } from '../errors.js';
import { buildPastActionEffects, type PastEffects } from '../effects/buildActionEffects.js';

/**
 * The score stage: every customer known at as-of, with the champion
 * models: the model tables (scoreModels, in batches: memory holds one
 * batch), then customer_scores (rankCustomers, in SQL), the personas
 * those of the model version (fitted at its first scoring and kept).
 */
/** Scores every customer of customer_features with `models`; returns how many, and the personas used. */
export async function scoreCustomers(db: Database, models: TrainedModels, asOf: string, p: ScoreParams, step: Step = untimed, rates: readonly ActionRate[] = [], log?: Logger): Promise<{ scored: number; personas: PersonaFit }> {
  await scoreModels(db, models, asOf, p, step, log);
  return rankAndPersonas(db, models, p, step, undefined, rates, undefined, log);
}

/**
 * The personas belong to the model version: a model fitted at its first
 * scoring is kept in its folder, so that every later run with it (the
 * daily run and a full run alike) assigns customers to the same personas.
 */
function keepPersonas(fit: PersonaFit, models: TrainedModels, dir: string, trainedNow: boolean, log: Logger): void {
  if (fit.kept) {
    log.info({ model_version: models.version, personas: fit.k, fitted_as_of: fit.model!.fitted_as_of }, `personas: customers assigned to the ${fit.k} personas kept with ${models.version} (fitted as of ${fit.model!.fitted_as_of}), not refitted`);
    return;
  }
  // A version that scored before without keeping them was saved before personas were kept with it: fitted as before, kept from now on.
  if (!trainedNow) log.info({ model_version: models.version }, `personas: ${models.version} holds no persona model (saved before personas were kept with their model version): fitted on this run's customers`);
  if (!fit.model) return;
  try {
    savePersonaModel(dir, fit.model);
  } catch (err) {
    if (isProgrammingError(err)) throw err;
    // The publication stays right (these personas score this run); a later run with the version fits them again.
    log.warn({ model_version: models.version, err }, `personas: could not keep them with ${models.version} in ${dir} (${(err as Error).message}): a later run with it fits them again and their numbers and names may change`);
    return;
  }
  log.info({ model_version: models.version, personas: fit.k, fitted_on: fit.fittedOn }, `personas: ${fit.k} fitted on ${fit.fittedOn} customers, kept with ${models.version} (personas.json) for its later runs`);
}

export interface ScoreOutput {
  scored: number;
  /** The budget's rate per action and whether it was measured (actionRates.ts). */
  actionRates: ActionRate[];
  /** The earlier runs' action effects as of this run (buildPastActionEffects), which the publication completes with this run's. */
  pastEffects: PastEffects;
}

export const scoreStage: Stage<ScoreParams, Pick<FeaturesOutput, 'asOf'> & Pick<TrainOutput, 'models' | 'modelDir' | 'model'>, ScoreOutput> = {
  name: 'score',
  reads: ['customer_features', 'btyd_features', 'btyd_features__figures', 'orders', 'customers', 'customer_scores_history', 'recorded_contacts', 'referrals'],
  writes: ['action_effects_past', 'uplift_terms', 'btyd_scores', 'btyd_scores__features_summary', 'btyd_scores__figures', 'neural_scores', 'churn_scores', 'value_scores', 'persona_traits', 'customer_personas', 'persona_labels', 'persona_choice', 'customer_scores', 'personas', 'segment_personas'],
  outside: "writes the personas it fits into the scoring model version's folder (personas.json), at the version's first scoring",
  params: scoreParams,
  async run({ db, step, log, runId }, p, { asOf, models, modelDir, model }) {
    const pastEffects = await step('earlier action effects', () => buildPastActionEffects(db, runId, asOf, {
      horizonDays: p.horizonDays, minGroup: p.scoring.effects.minGroup, costPerAction: p.scoring.budget.costPerAction, margin: p.margin ?? 1,
    }));
    const rates = await actionRates(db, asOf, p.horizonDays, p.scoring, pastEffects.table);
    for (const r of rates.filter((x) => x.source === 'measured')) {
      const m = r.measured!;
      const words = `${r.action}: the budget uses the measured save rate ${r.rate.toFixed(3)} (90% interval ${m.low.toFixed(3)} to ${m.high.toFixed(3)}, run as of ${m.as_of}) instead of the assumed ${p.scoring.budget.saveRate}`;
      if (m.high <= 0 || r.rate <= 0.01) log.warn({ action: r.action, rate: r.rate }, `${words}: the action keeps nothing measurable and is not paying for itself`);
      else log.info({ action: r.action, rate: r.rate }, words);
    }
    const uplift = await step('uplift models', () => upliftTargeting(db, asOf, p.horizonDays, ACTIONS));
    const { scored, personas } = await scoreCustomers(db, models, asOf, p, step, rates, log);
    keepPersonas(personas, models, modelDir, model.trained === models.version, log);
    const blocked = await db.all<{ action: string; n: number }>(`SELECT action, count(*) AS n FROM customer_scores WHERE contact_blocked_by = 'negative_uplift' GROUP BY action`);
    const withUplift = rates.map((r): ActionRate => {
      const u = uplift.find((x) => x.action === r.action && x.status === 'trained');
      if (!u) return r;
      const b = u.backtest;
      const negative = Number(blocked.find((x) => x.action === r.action)?.n ?? 0);
      const words = `${r.action}: uplift model trained on ${u.proposed} proposed and ${u.controls} controls; ${b
        ? `backtested on the campaign as of ${b.test_as_of}, Qini ${b.qini_model.toFixed(4)} against ${b.qini_risk.toFixed(4)} for risk ranking`
        : 'no later campaign to backtest it on'}: the budget ranks by ${u.budget_ranks_by === 'predicted_uplift' ? `value if retained x predicted uplift, and keeps ${negative} customers whose predicted uplift is negative from contact` : 'churn x the rate'}`;
      log.info({ action: r.action, uplift: u.budget_ranks_by }, words);
      return { ...r, uplift: { proposed: u.proposed, controls: u.controls, ...(b ? { test_as_of: b.test_as_of, qini_model: b.qini_model, qini_risk: b.qini_risk, uplift_by_decile: b.uplift_by_decile } : {}), budget_ranks_by: u.budget_ranks_by, negative_uplift: negative } };
    });
    return { scored, actionRates: withUplift, pastEffects };
  },
  rows: async ({ db }, out) => ({ rows_in: await db.value<number>('SELECT count(*) FROM customer_features'), rows_out: out.scored }),
  manifest: (out) => ({ action_rates: out.actionRates }),
};
