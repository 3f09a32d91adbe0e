import { z } from 'zod';
import { DataError } from '../errors.js';

/*
 * model_metrics.json (the backtest of the models that score, written by
 * train/modelMetrics.ts and train/trainModels.ts) as its readers rely on
 * it: the report, the notebooks, the registry and the champion's reuse.
 * One declaration: the producer's metrics must satisfy its type (the
 * compiler checks the train stage against it), the readers take their
 * types from it, and what is read back from disk (a model version's
 * metrics.json, a publication's model_metrics.json) is parsed with it, so
 * a renamed or missing key is an error naming it, not a blank report
 * section. Keys beyond these are not checked and are kept (a reader may
 * ignore them; the producer may add them freely). A figure is null where it is not a
 * number (NaN is written as null). The parts marked optional are absent
 * from metrics written before they were added.
 */

const figure = z.number().nullable();
const figures = z.record(z.string(), figure);
const calibration = z.array(z.object({ mean_predicted: figure, observed_rate: figure }));
const choiceStatement = z.object({ text: z.string(), warning: z.string().nullable().optional() });
/** A naive aggregate forecast of the holdout (aggregate_baselines.sql). */
const aggregateForecast = z.object({ spend: figure, spend_ratio: figure, churn: figure });

export const modelMetricsSchema = z.object({
  model_version: z.string().optional(),
  holdout: z.object({ cutoff: z.string() }),
  /** Which candidate won each choice, in words (for the report's first screen). */
  choice: z.object({ churn: choiceStatement, value: choiceStatement, purchase: z.string() }).optional(),
  /** The windows each model learnt from (meta.json's training_window). */
  windows: z.record(z.string(), z.unknown()).optional(),
  churn: z.object({
    model: z.string(),
    auc: figure,
    log_loss: figure,
    recency_baseline_auc: figure,
    calibration: calibration.optional(),
    calibration_by_model: z.record(z.string(), calibration).optional(),
    gain: z.record(z.string(), z.array(z.tuple([figure, figure]))).optional(),
  }),
  value: z.object({ model: z.string(), normalized_gini: figure }),
  candidates: z.object({ churn: z.record(z.string(), figures), value: z.record(z.string(), figures) }).optional(),
  baselines: z.object({
    historic_value: z.object({ normalized_gini: figure, spearman: figure, decile_mape: figure, beaten_by: z.array(z.string()) }).optional(),
  }).optional(),
  btyd_model: z.object({
    model: z.string(),
    reason: z.string(),
    candidates: z.record(z.string(), z.object({ holdout_log_likelihood: figure, sound: z.boolean(), degenerate: z.array(z.string()) })),
  }).optional(),
  /** The BTYD fits that score, with the seasonal profile the projections follow (null: none). */
  btyd: z.object({
    season: z.object({
      months: z.array(z.number()),
      years: z.number(),
      weight: z.number(),
      from: z.string().optional(),
      to: z.string().optional(),
      short: z.object({ seen: z.array(z.number()), level: z.number() }).optional(),
    }).nullable().optional(),
  }).optional(),
  season_ahead: z.object({ words: z.string() }).nullable().optional(),
  aggregate: z.object({
    customers: z.number(),
    actual_spend: figure,
    observed_churn: figure,
    baselines: z.object({
      repeats: aggregateForecast.nullable(),
      last_year_trend: aggregateForecast.nullable(),
      last_year_trend_missing: z.string().nullable().optional(),
    }),
    value: z.record(z.string(), z.object({ spend: figure, spend_ratio: figure }).nullable()),
    churn: z.record(z.string(), z.object({ mean: figure, error: figure }).nullable()),
    worse_than_baselines: z.array(z.string()),
  }).optional(),
  /** The backtest's networks (null: none trained): the champion's architectures are reused from them. */
  networks: z.object({
    churn: z.object({ hidden: z.array(z.number()), epochs: z.number().optional(), best_epochs: z.number().optional() }),
    value: z.object({ hidden: z.array(z.number()), epochs: z.number().optional(), best_epochs: z.number().optional() }),
  }).nullable().optional(),
  flagged: z.array(z.object({ model: z.string(), why: z.string(), choice: z.enum(['churn', 'value']).optional() })).optional(),
  notes: z.array(z.string()).optional(),
});

/** The backtest of a kept champion with the backtest of the challenger that did not replace it (champion.ts). */
export type ModelMetrics = z.infer<typeof modelMetricsSchema> & { challenger?: ModelMetrics };

/**
 * Checks model metrics read back from a file (`what` names it in the
 * error) and returns them as read (the same keys in the same order, so a
 * kept champion's metrics publish as they were written): an error naming
 * every key that is missing or of another type (a DataError: the model
 * failed, exit 1).
 */
export function parseModelMetrics(json: unknown, what: string): ModelMetrics {
  const parsed = modelMetricsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(the whole file)'}: ${i.message}`);
    throw new DataError(`${what} does not hold the model metrics fidelio reads: ${problems.join('; ')}`, { cause: parsed.error });
  }
  const metrics = json as ModelMetrics;
  if (metrics.challenger !== undefined) parseModelMetrics(metrics.challenger, `${what} (its challenger)`);
  return metrics;
}
