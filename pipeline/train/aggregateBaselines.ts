import { addDays, dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/** A naive aggregate forecast of the holdout: the spend of its customers and the share who will not buy. */
export interface AggregateForecast {
  spend: number;
  /** spend / the actual spend (1: exact). */
  spend_ratio: number | null;
  churn: number;
}

/** What the holdout's customers did in it, and the naive aggregate forecasts of it (aggregate_baselines.sql). */
export interface AggregateBaselines {
  customers: number;
  actual_spend: number;
  observed_churn: number;
  /** "The last horizon repeats": the spend of the horizon before the cutoff, and its share of customers without a purchase. */
  repeats: AggregateForecast;
  /**
   * With a year of history or more before the holdout's horizon: the same
   * period last year scaled by the trend (the last horizon over the one
   * before it a year earlier), for spend and for the share who buy.
   */
  last_year_trend: (AggregateForecast & { spend_trend: number | null; active_trend: number | null }) | null;
  /** Why there is no last-year baseline, in words (null when there is one). */
  last_year_trend_missing: string | null;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** The naive baselines of the holdout that starts after `cutoff`, over the holdout's customers. */
export async function aggregateBaselines(db: Database, cutoff: string, horizonDays: number): Promise<AggregateBaselines> {
  const r = (await db.one<Record<string, number | string>>(readSql('train/aggregate_baselines.sql'), { cutoff: dateParam(cutoff), horizon: horizonDays }))!;
  const n = (k: string) => Number(r[k] ?? 0);
  const actual = n('actual_spend');
  const needed = addDays(cutoff, -365 - horizonDays + 1);
  const first = r.first_order === null || r.first_order === undefined ? null : String(r.first_order);
  let lastYear: AggregateBaselines['last_year_trend'] = null;
  let missing: string | null = null;
  if (first === null || first > needed) {
    missing = `the history starts on ${first ?? '(no orders)'}, under a year and a horizon before the holdout (${needed}): no same period last year to scale`;
  } else {
    const spendTrend = ratio(n('last_spend'), n('lyp_spend'));
    const activeTrend = ratio(n('last_active'), n('lyp_active'));
    const spend = n('ly_spend') * (spendTrend ?? 1);
    const active = Math.min(1, n('ly_active') * (activeTrend ?? 1));
    lastYear = { spend, spend_ratio: ratio(spend, actual), churn: 1 - active, spend_trend: spendTrend, active_trend: activeTrend };
  }
  return {
    customers: n('customers'), actual_spend: actual, observed_churn: n('observed_churn'),
    repeats: { spend: n('last_spend'), spend_ratio: ratio(n('last_spend'), actual), churn: 1 - n('last_active') },
    last_year_trend: lastYear, last_year_trend_missing: missing,
  };
}

const BASELINE_WORDS = { repeats: 'the last horizon repeating', last_year_trend: 'the same period last year scaled by the trend' } as const;

/**
 * Each candidate's aggregate level on the holdout against the baselines:
 * the value candidates' total forecast spend over the actual, the churn
 * candidates' mean probability against the observed share; `worse` lists,
 * in words, the champions whose aggregate error is larger than a
 * baseline's.
 */
export function aggregateLevels(
  b: AggregateBaselines,
  value: Record<string, ArrayLike<number>>,
  churn: Record<string, ArrayLike<number>>,
  champions: { value: string; churn: string },
  horizonDays: number,
) {
  const sum = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0);
  const values = Object.fromEntries(Object.entries(value).map(([k, v]) => {
    const spend = sum(v);
    return [k, { spend, spend_ratio: ratio(spend, b.actual_spend) }];
  }));
  const churns = Object.fromEntries(Object.entries(churn).map(([k, v]) => {
    const mean = v.length ? sum(v) / v.length : 0;
    return [k, { mean, error: mean - b.observed_churn }];
  }));
  const worse: string[] = [];
  const baselines = (['repeats', 'last_year_trend'] as const).flatMap((k) => (b[k] ? [[k, b[k]!] as const] : []));
  const off = (r: number | null) => (r === null ? Infinity : Math.abs(r - 1));
  const v = values[champions.value];
  for (const [k, base] of baselines) {
    if (v && base.spend_ratio !== null && off(v.spend_ratio) > off(base.spend_ratio)) {
      worse.push(`value: ${champions.value}'s forecast of the holdout's spend is ${v.spend_ratio === null ? 'undefined' : `${v.spend_ratio.toFixed(2)} of the actual`}, further off than ${BASELINE_WORDS[k]} (${base.spend_ratio.toFixed(2)}; the ${horizonDays} days after the holdout cutoff against ${b.actual_spend.toFixed(2)} spent)`);
    }
  }
  const c = churns[champions.churn];
  for (const [k, base] of baselines) {
    if (c && Math.abs(c.error) > Math.abs(base.churn - b.observed_churn)) {
      worse.push(`churn: ${champions.churn}'s mean churn probability on the holdout is ${c.mean.toFixed(3)} against ${b.observed_churn.toFixed(3)} observed, further off than ${BASELINE_WORDS[k]} (${base.churn.toFixed(3)})`);
    }
  }
  return { value: values, churn: churns, worse_than_baselines: worse };
}
