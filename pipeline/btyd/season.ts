import type { PurchaseModel } from './purchaseModel.js';

/**
 * The seasonal profile of a history: how much more or less than its
 * average a customer buys in each calendar month. The BTYD models assume a
 * steady purchase rate; a shop whose fourth quarter doubles the summer's
 * then under-forecasts a horizon that falls in it (and over-forecasts one
 * that falls in January). With the profile, the projections run on
 * seasonal time: a day of November counts as `months[10]` days.
 *
 * Learnt from the repeat purchase days per whole month (features/season_months.sql)
 * by a Poisson regression on the customers acquired before the month
 * (exposure), a month-of-year effect, and, from 24 months on, a linear
 * trend (the base ageing, growth beyond acquisition). It needs a full year;
 * each month's index is then shrunk toward flat by the weight
 * PRIOR / (PRIOR + YEAR_NOISE / years): a single year is a single
 * observation of the season, so one year keeps 80% of its pattern and
 * three keep 92%.
 *
 * Under a year of whole months (at least MIN_SHORT_MONTHS), what can be
 * learnt is learnt (shortSeason): each whole month's repeat purchase days
 * against what the steady purchase model, fitted on the same history,
 * expects of the customers acquired by then (which takes the base's
 * acquisitions, its ageing and its dropout out of the comparison); the
 * months pooled by quarter of the year, each quarter's lift shrunk toward
 * none by the months of it seen; and a recent level, the last three whole
 * months' ratio after the season, shrunk toward 1, that the projections
 * after the calibration end run at (a base buying more or less than the
 * model's average of its history).
 */
export interface SeasonProfile {
  /** The index of each calendar month, January first; over a year they average 1 (weighted by days); under a year, the months seen average 1 (weighted by their expected repeat days). */
  months: number[];
  /** The whole months it was learnt from, the first and the last. */
  from: string;
  to: string;
  /** Years of history (months / 12) and the shrinkage weight they earned (1: the data's own pattern, 0: flat; 0 under a year, whose quarters carry their own). */
  years: number;
  weight: number;
  /** Under a year of history (absent otherwise): what the months seen showed (shortSeason). */
  short?: ShortSeason;
}

/** The short-history part of a profile: the quarters' lifts, the months of the year seen, and the recent level. */
export interface ShortSeason {
  /** The months of the year the history showed as whole months (1..12). */
  seen: number[];
  /** Per quarter of the year: whole months of it seen, the raw lift (actual over expected, against the months seen), the weight it earned, and the shrunk lift. */
  quarters: { months_seen: number; raw: number | null; weight: number; lift: number; sd_log: number }[];
  /** The projections after the calibration end run at this pace (1: the model's own level), with its raw ratio and weight. */
  level: number;
  level_raw: number;
  level_weight: number;
}

/** Variance of a true month index in log (a season up to about +-30%), and of one year's estimate around it (+-15%). */
const PRIOR = 0.3 ** 2;
const YEAR_NOISE = 0.15 ** 2;
const DAYS = [31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export type MonthRow = {
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

/** Short histories: a quarter's lift varies by +-30% (PRIOR); one quarter's months differ by +-15% from it, one year's by +-15% (YEAR_NOISE). */
const WITHIN_QUARTER = 0.15 ** 2;
/** The recent level: a base's pace moves by up to +-20% from its history's average; a month's ratio is off by +-10% from model misfit. */
const LEVEL_PRIOR = 0.2 ** 2;
const LEVEL_NOISE = 0.1 ** 2;
/** At least this many whole months, each with this many expected repeat purchase days, for a short-history profile. */
export const MIN_SHORT_MONTHS = 3;
const MIN_EXPECTED = 30;
const DAY_MS = 86_400_000;

/** A whole month of a short history: its repeat purchase days and what the steady model expects of the customers acquired by then. */
export interface TrackedMonth {
  month: string;
  month_of_year: number;
  days: number;
  actual: number;
  expected: number;
}

const quarterOf = (monthOfYear: number) => Math.floor((monthOfYear - 1) / 3);

/**
 * The short-history profile from the tracked months (null with fewer than
 * MIN_SHORT_MONTHS usable ones): each month's log ratio of actual to
 * expected repeat purchase days, pooled by quarter (weighted by the
 * expected days) and taken against the months seen; each quarter's lift
 * shrunk toward 1 by PRIOR / (PRIOR + YEAR_NOISE + WITHIN_QUARTER / months
 * of it seen) (one December alone keeps 2/3 of its lift in log, all three
 * months 3/4); a quarter never seen has no lift. The twelve indices are
 * normalised so that the months seen average 1 (weighted by expected
 * days): the model's rates are the average of those months. The recent
 * level is the last three whole months' ratio over the season's index,
 * against all months seen, shrunk by LEVEL_PRIOR / (LEVEL_PRIOR +
 * LEVEL_NOISE + 1 / their repeat days).
 */
export function shortSeason(rows: readonly TrackedMonth[]): SeasonProfile | null {
  const used = rows.filter((r) => r.expected >= MIN_EXPECTED && r.actual > 0);
  if (used.length < MIN_SHORT_MONTHS) return null;
  const g = used.map((r) => Math.log(r.actual / r.expected));
  const wsum = used.reduce((s, r) => s + r.expected, 0);
  const centre = used.reduce((s, r, i) => s + r.expected * g[i]!, 0) / wsum;
  const quarters = [0, 1, 2, 3].map((q) => {
    const of = used.map((r, i) => ({ r, g: g[i]! - centre })).filter((x) => quarterOf(x.r.month_of_year) === q);
    const monthsSeen = new Set(of.map((x) => x.r.month_of_year)).size;
    if (monthsSeen === 0) return { months_seen: 0, raw: null, weight: 0, lift: 1, sd_log: Math.sqrt(PRIOR + WITHIN_QUARTER) };
    const w = of.reduce((s, x) => s + x.r.expected, 0);
    const raw = of.reduce((s, x) => s + x.r.expected * x.g, 0) / w;
    const noise = YEAR_NOISE + WITHIN_QUARTER / monthsSeen;
    const weight = PRIOR / (PRIOR + noise);
    return { months_seen: monthsSeen, raw: Math.exp(raw), weight, lift: Math.exp(weight * raw), sd_log: Math.sqrt((PRIOR * noise) / (PRIOR + noise)) };
  });
  const lifts = Array.from({ length: 12 }, (_, j) => quarters[quarterOf(j + 1)]!.lift);
  const norm = used.reduce((s, r) => s + r.expected * lifts[r.month_of_year - 1]!, 0) / wsum;
  const months = lifts.map((v) => v / norm);
  // The recent level: the last three whole months after the season, against all months seen after it.
  const deseason = used.map((r, i) => g[i]! - Math.log(months[r.month_of_year - 1]!));
  const all = used.reduce((s, r, i) => s + r.expected * deseason[i]!, 0) / wsum;
  const recent = used.slice(-3);
  const recentW = recent.reduce((s, r) => s + r.expected, 0);
  const recentG = recent.reduce((s, r, k) => s + r.expected * deseason[used.length - recent.length + k]!, 0) / recentW - all;
  const levelWeight = LEVEL_PRIOR / (LEVEL_PRIOR + LEVEL_NOISE + 1 / Math.max(1, recent.reduce((s, r) => s + r.actual, 0)));
  return {
    months, from: used[0]!.month, to: used[used.length - 1]!.month, years: used.length / 12, weight: 0,
    short: {
      seen: [...new Set(used.map((r) => r.month_of_year))].sort((a, b) => a - b),
      quarters, level: Math.exp(levelWeight * recentG), level_raw: Math.exp(recentG), level_weight: levelWeight,
    },
  };
}

/** Pseudo-days of the prior that a cohort's own level is shrunk toward 1 with (its later repeat days against the model's). */
const COHORT_PRIOR_DAYS = 50;
const cohortKey = (month: string, part: number) => `${month}#${part}`;

/**
 * The tracked months of a short history: each whole month's repeat
 * purchase days (features/season_months.sql) and the repeat purchase days `model`
 * (fitted on the same history, in units of `unitDays` days, on a steady
 * clock) expects in it of the customers who had bought first by then
 * (season_births.sql), from the expected purchases of a customer just
 * acquired (x = t_x = T = 0) over the month's part of their life, each
 * cohort's (the customers first seen in one calendar month) scaled by its
 * own level in the other months after its first (season_cohorts.sql: its
 * actual over expected repeat days there, shrunk toward 1 by
 * COHORT_PRIOR_DAYS), and a cohort's own first month by what the first
 * month did in the other months (actual over expected, after the
 * cohorts' levels). Both matter most for the first month of an export,
 * which holds one cohort in its own first month only: the customers who
 * buy first in it include the base already running, the frequent buyers
 * first, and regular buyers hardly buy again within a month of a
 * purchase; either would otherwise read as a season.
 */
export function trackMonths(
  months: readonly MonthRow[],
  births: readonly { first_day: string; customers: number }[],
  cohorts: readonly { cohort: string; part: number; month: string; repeat_days: number }[],
  model: PurchaseModel,
  unitDays: number,
): TrackedMonth[] {
  const born = births.map((b) => ({ at: Date.parse(`${b.first_day}T00:00:00Z`), n: b.customers, cohort: cohortKey(b.first_day.slice(0, 7), Math.min(5, Math.floor((Number(b.first_day.slice(8, 10)) - 1) / 5))) }));
  const times = new Set<number>();
  const spans = months.map((m) => {
    const start = Date.parse(`${m.month}T00:00:00Z`);
    const end = start + m.days * DAY_MS;
    const parts = born.filter((b) => b.at < end).map((b) => ({ n: b.n, cohort: b.cohort, from: Math.max(0, (start - b.at) / DAY_MS) / unitDays, to: (end - b.at) / DAY_MS / unitDays }));
    for (const p of parts) times.add(p.from).add(p.to);
    return parts;
  });
  const ts = [...times].sort((a, b) => a - b);
  const curve = model.expected(ts, 0, 0, 0);
  const at = new Map(ts.map((t, i) => [t, t === 0 ? 0 : curve[i]!]));
  // Expected and actual repeat days per cohort and whole month.
  const expected = months.map((_, i) => {
    const byCohort = new Map<string, number>();
    for (const p of spans[i]!) byCohort.set(p.cohort, (byCohort.get(p.cohort) ?? 0) + p.n * (at.get(p.to)! - at.get(p.from)!));
    return byCohort;
  });
  const actual = months.map((m) => new Map(cohorts.filter((c) => c.month === m.month).map((c) => [cohortKey(c.cohort.slice(0, 7), c.part), c.repeat_days])));
  const cohortNames = [...new Set(born.map((b) => b.cohort))];
  const shrunk = (a: number, e: number) => (a + COHORT_PRIOR_DAYS) / (e + COHORT_PRIOR_DAYS);
  const monthOf = (c: string) => c.slice(0, 7);
  const partOf = (c: string) => Number(c.slice(8));
  // A cohort's level in the months after its own other than `i`.
  const level = (c: string, i: number) => {
    let a = 0;
    let e = 0;
    months.forEach((m, j) => {
      if (j === i || m.month.slice(0, 7) <= monthOf(c)) return;
      a += actual[j]!.get(c) ?? 0;
      e += expected[j]!.get(c) ?? 0;
    });
    return shrunk(a, e);
  };
  // The rest of the month of a first purchase, by the third it fell in, in the months other than `i`:
  // regular buyers hardly buy again within weeks of a purchase.
  const own = months.flatMap((m, j) => cohortNames.filter((c) => monthOf(c) === m.month.slice(0, 7))
    .map((c) => ({ j, part: partOf(c), a: actual[j]!.get(c) ?? 0, e: (expected[j]!.get(c) ?? 0) * level(c, j) })));
  const firstMonth = (i: number, part: number) => {
    const others = own.filter((o) => o.j !== i && o.part === part);
    return shrunk(others.reduce((s, o) => s + o.a, 0), others.reduce((s, o) => s + o.e, 0));
  };
  return months.map((m, i) => {
    let scaled = 0;
    for (const c of cohortNames) {
      const e = expected[i]!.get(c) ?? 0;
      if (e > 0) scaled += e * level(c, i) * (monthOf(c) === m.month.slice(0, 7) ? firstMonth(i, partOf(c)) : 1);
    }
    return { month: m.month, month_of_year: m.month_of_year, days: m.days, actual: m.repeat_days, expected: scaled };
  });
}

/**
 * The months of the year in the `days` after `from` that a short history
 * never showed, and the forecast's expected error for it: each unseen
 * month's index carries its quarter's uncertainty (sd_log: the shrunk
 * lift's posterior spread and a month's own departure from its quarter, or
 * the prior's for a quarter never seen), summed over the horizon's share
 * of days in it; the range is the 90% one, exp(+-1.645 sd) - 1. Null for a
 * full-year profile or a horizon of months seen only.
 */
export function unseenSeason(profile: SeasonProfile | null | undefined, from: string, days: number): { months: number[]; share_of_days: number; error_low: number; error_high: number } | null {
  if (!profile?.short) return null;
  const seen = new Set(profile.short.seen);
  const start = Date.parse(`${from}T00:00:00Z`) + DAY_MS;
  const unseen = new Set<number>();
  let sd = 0;
  let unseenDays = 0;
  for (let d = 0; d < days; d++) {
    const moy = new Date(start + d * DAY_MS).getUTCMonth() + 1;
    if (seen.has(moy)) continue;
    unseen.add(moy);
    unseenDays++;
    const q = profile.short.quarters[quarterOf(moy)]!;
    sd += (q.months_seen === 0 ? q.sd_log : Math.sqrt(q.sd_log ** 2 + WITHIN_QUARTER)) / days;
  }
  if (unseen.size === 0) return null;
  return { months: [...unseen], share_of_days: unseenDays / days, error_low: Math.exp(-1.645 * sd) - 1, error_high: Math.exp(1.645 * sd) - 1 };
}

/**
 * Seasonal time: the days in (from, from + days] weighted by their month's
 * index (`days` may be fractional), at a short history's recent level
 * (shortSeason); the calendar length without a profile.
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
  return total * (profile.short?.level ?? 1);
}

/** The mean index over the horizon after `from`: seasonal days per calendar day (1 without a profile). */
export const horizonSeason = (profile: SeasonProfile | null | undefined, from: string, days: number): number => seasonalDays(profile, from, days) / days;
