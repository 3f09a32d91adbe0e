import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { literal } from '../db/Database.js';
import { readSqlWith } from '../db/sqlFile.js';
import type { ActionRate } from './actionRates.js';
import { effectParams } from '../effects/buildActionEffects.js';

/** The score stage's slice of the configuration. */
export interface ScoreParams {
  horizonDays: number;
  seed: number;
  /** The currency of the amounts (a column of customer_scores). */
  currency: string;
  scoring: Config['scoring'];
  /** Threads the JavaScript parts of scoring may use at once (duckdb.threads, by default every core); absent: one, the main thread. */
  threads?: number;
  /** The share of spend that is margin (costs.grossMargin; 1 without costs), for the earlier runs' effects the publication reuses. */
  margin?: number;
}

export const scoreParams = (c: Config): ScoreParams => ({
  horizonDays: c.horizonDays, seed: c.seed, currency: c.currency, scoring: c.scoring, threads: c.duckdb.threads ?? availableParallelism(), margin: effectParams(c).margin,
});

/**
 * customer_scores.sql with the operator's own conditions (the VIP rule and
 * custom flags: SQL from the trusted config) inlined, and the number of rows
 * the top_value flag reads first (`customers`: how many customer_features
 * holds; see the file); values stay bound.
 */
export function customerScoresSql(s: ScoreParams['scoring'], customers: number): string {
  return readSqlWith('score/customer_scores.sql', '/*top_value_limit*/', String(topValueLimit(s.flags.topValueShare, customers)))
    .replace('/*vip_expression*/', s.vip.expression ?? 'false')
    .replace('/*custom_flags*/', s.flags.custom.map((f) => `, CASE WHEN coalesce((${f.expression}), false) THEN ${literal(f.name)} END`).join(''));
}

/**
 * The top_value flag's customers among `customers` (customer_scores.sql's greatest(1, floor(share x customers)): a
 * product of two doubles floored, as DuckDB computes it), as a whole number the file's LIMIT can take: a LIMIT
 * DuckDB reads as a number keeps only the first rows, where one computed in the query sorts everyone.
 */
export function topValueLimit(share: number, customers: number): number {
  if (!Number.isSafeInteger(customers) || customers < 0) throw new Error(`topValueLimit: ${customers} is not a count of customers`);
  return Math.max(1, Math.floor(share * customers));
}

/** customer_scores.sql's bound parameters (see its header for each). */
export function customerScoresParams(p: ScoreParams, modelVersion: string, rates: readonly ActionRate[] = []) {
  const s = p.scoring;
  const rate = (action: string) => rates.find((r) => r.action === action)?.rate ?? s.budget.saveRate;
  return {
    horizon: p.horizonDays, medium_risk: s.mediumRisk, high_risk: s.highRisk, predicted_weight: s.predictedWeight,
    vip_rule: s.vip.rule, vip_share: s.vip.valueShare, vip_cap: s.vip.maxCustomerShare,
    lapsed_days: s.lapsedDays, new_days: s.newDays, recent_share: s.recentShare, model_version: modelVersion,
    top_value_share: s.flags.topValueShare, high_frequency_share: s.flags.highFrequencyShare,
    vip_unresolved_complaints: s.flags.vipUnresolvedComplaints, seed: String(p.seed),
    control_share: s.controlShare, cooldown_days: s.cooldownDays, save_rate: s.budget.saveRate,
    cost_per_action: s.budget.costPerAction, max_actions: s.budget.maxActions ?? null, max_spend: s.budget.maxSpend ?? null,
    currency: p.currency,
    min_p_alive: 1e-6,
    amb_max_tier: s.ambassador.maxTier, amb_min_purchase_days: s.ambassador.minPurchaseDays,
    amb_min_tenure_days: s.ambassador.minTenureDays, amb_max_days: s.ambassador.maxDaysSinceLastOrder,
    rate_save: rate('save'), rate_surprise: rate('surprise'), rate_grow: rate('grow'), rate_nurture: rate('nurture'), rate_win_back: rate('win_back'),
  };
}
