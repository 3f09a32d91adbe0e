import { availableParallelism } from 'node:os';
import type { Config } from '../config.js';
import { literal } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
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
 * custom flags: SQL from the trusted config) inlined; values stay bound.
 */
export function customerScoresSql(s: ScoreParams['scoring']): string {
  return readSql('score/customer_scores.sql')
    .replace('/*vip_expression*/', s.vip.expression ?? 'false')
    .replace('/*custom_flags*/', s.flags.custom.map((f) => `, CASE WHEN coalesce((${f.expression}), false) THEN ${literal(f.name)} END`).join(''));
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
