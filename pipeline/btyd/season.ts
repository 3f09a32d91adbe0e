import { dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/**
 * The seasonal profile of a history: how much more or less than its
 * average a customer buys in each calendar month. The BTYD models assume a
 * steady purchase rate; a shop whose fourth quarter doubles the summer's
 * then under-forecasts a horizon that falls in it (and over-forecasts one
 * that falls in January). With the profile, the projections run on
 * seasonal time: a day of November counts as `months[10]` days.
 *
 * Learnt from the repeat purchase days per whole month (season_months.sql)
 * by a Poisson regression on the customers acquired before the month
 * (exposure), a month-of-year effect, and, from 24 months on, a linear
 * trend (the base ageing, growth beyond acquisition). It needs a full year;
 * each month's index is then shrunk toward flat by the weight
 * PRIOR / (PRIOR + YEAR_NOISE / years): a single year is a single
 * observation of the season, so one year keeps 80% of its pattern and
 * three keep 92%.
 */
export interface SeasonProfile {
  /** The index of each calendar month, January first; over a year they average 1 (weighted by days). */
  months: number[];
  /** The whole months it was learnt from, the first and the last. */
  from: string;
  to: string;
  /** Years of history (months / 12) and the shrinkage weight they earned (1: the data's own pattern, 0: flat). */
  years: number;
  weight: number;
}

/** Variance of a true month index in log (a season up to about +-30%), and of one year's estimate around it (+-15%). */
const PRIOR = 0.3 ** 2;
const YEAR_NOISE = 0.15 ** 2;
const DAYS = [31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

type MonthRow = {
  month: string;
  month_of_year: number;
  days: number;
  repeat_days: number;
  exposure: number;
};

/** Solves the small dense system A x = b (Gaussian elimination with partial pivoting); null when singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return null;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= k * m[c]![j]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * Fits log E[repeat_days] = log(exposure x days) + b0 [+ b1 t] + g(month of
 * year) by iteratively reweighted least squares (at most 50 iterations);
 * returns the twelve month effects, centred, or null when the rows cannot
 * identify them.
 */
export function fitMonthEffects(rows: readonly MonthRow[]): { effects: number[]; trend: boolean } | null {
  const used = rows.filter((r) => r.exposure > 0);
  if (used.length < 12 || new Set(used.map((r) => r.month_of_year)).size < 12) return null;
  const trend = used.length >= 24;
  const mid = (used.length - 1) / 2;
  // Columns: intercept, [trend], month-of-year 2..12 (January is the reference).
  const design = used.map((r, i) => [1, ...(trend ? [(i - mid) / 12] : []), ...Array.from({ length: 11 }, (_, j) => (r.month_of_year === j + 2 ? 1 : 0))]);
  const offset = used.map((r) => Math.log(r.exposure * r.days));
  const y = used.map((r) => r.repeat_days);
  const k = design[0]!.length;
  const mean = y.reduce((s, v) => s + v, 0) / y.reduce((s, _, i) => s + Math.exp(offset[i]!), 0);
  let beta = [Math.log(Math.max(mean, 1e-9)), ...new Array<number>(k - 1).fill(0)];
  for (let it = 0; it < 50; it++) {
    const eta = design.map((x, i) => offset[i]! + x.reduce((s, v, j) => s + v * beta[j]!, 0));
    const mu = eta.map(Math.exp);
    // Newton step of the Poisson log-likelihood: (X' W X) delta = X' (y - mu), W = mu.
    const XtWX = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => design.reduce((s, x, i) => s + x[a]! * x[b]! * mu[i]!, 0)));
    const score = Array.from({ length: k }, (_, a) => design.reduce((s, x, i) => s + x[a]! * (y[i]! - mu[i]!), 0));
    const delta = solve(XtWX, score);
    if (!delta || !delta.every(Number.isFinite)) return null;
    beta = beta.map((v, j) => v + delta[j]!);
    if (Math.max(...delta.map(Math.abs)) < 1e-10) break;
  }
  const first = trend ? 2 : 1;
  const raw = [0, ...beta.slice(first)];
  const centre = raw.reduce((s, v, j) => s + v * DAYS[j]!, 0) / 365.25;
  return { effects: raw.map((v) => v - centre), trend };
}

/** Day-weighted normalisation: the twelve indices average 1 over a year. */
function normalise(indices: number[]): number[] {
  const mean = indices.reduce((s, v, j) => s + v * DAYS[j]!, 0) / 365.25;
  return indices.map((v) => v / mean);
}

/** The profile from the month rows, or null with fewer than 12 whole months (a flat season: no correction). */
export function seasonFromMonths(rows: readonly MonthRow[]): SeasonProfile | null {
  const fit = fitMonthEffects(rows);
  if (!fit) return null;
  const years = rows.length / 12;
  const weight = PRIOR / (PRIOR + YEAR_NOISE / years);
  return {
    months: normalise(fit.effects.map((g) => Math.exp(weight * g))),
    from: rows[0]!.month, to: rows[rows.length - 1]!.month, years, weight,
  };
}

/** The profile of the orders of table `source` up to `calibrationEnd` (null: under a year of whole months). */
export async function learnSeason(db: Database, source: string, calibrationEnd: string): Promise<SeasonProfile | null> {
  const rows = await db.all<MonthRow>(readSql('btyd/season_months.sql'), { source, calibration_end: dateParam(calibrationEnd) });
  return seasonFromMonths(rows.map((r) => ({ ...r, month: String(r.month), month_of_year: Number(r.month_of_year), days: Number(r.days), repeat_days: Number(r.repeat_days), exposure: Number(r.exposure) })));
}

/**
 * Seasonal time: the days in (from, from + days] weighted by their month's
 * index (`days` may be fractional); the calendar length without a profile.
 */
export function seasonalDays(profile: SeasonProfile | null | undefined, from: string, days: number): number {
  if (!profile) return days;
  let at = Date.parse(`${from}T00:00:00Z`) + 86_400_000; // the day after `from` is the horizon's first
  const end = at + days * 86_400_000;
  let total = 0;
  while (at < end) {
    const d = new Date(at);
    const next = Math.min(end, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    total += ((next - at) / 86_400_000) * profile.months[d.getUTCMonth()]!;
    at = next;
  }
  return total;
}

/** The mean index over the horizon after `from`: seasonal days per calendar day (1 without a profile). */
export const horizonSeason = (profile: SeasonProfile | null | undefined, from: string, days: number): number => seasonalDays(profile, from, days) / days;
