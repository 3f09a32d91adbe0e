import type { PurchaseModel } from '../btyd/purchaseModel.js';
import { seasonFromMonths, shortSeason, trackMonths, type MonthRow, type SeasonProfile } from '../btyd/season.js';
import { dateParam, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';

/**
 * The seasonal profile (btyd/season.ts) of the orders of table `source` up
 * to `calibrationEnd`: from a year of whole months or more
 * (season_months.sql), the month-of-year regression; under a year, with
 * `model` (the steady purchase model fitted on the same orders, in units of
 * `unitDays` days), the short-history profile from the months tracked
 * against the first purchases (season_births.sql) and the cohorts' repeat
 * days (season_cohorts.sql); null otherwise (a flat season).
 */
export async function learnSeason(db: Database, source: string, calibrationEnd: string, model?: PurchaseModel, unitDays = 7): Promise<SeasonProfile | null> {
  const params = { source, calibration_end: dateParam(calibrationEnd) };
  const rows = (await db.all<MonthRow>(readSql('features/season_months.sql'), params))
    .map((r) => ({ ...r, month: String(r.month), month_of_year: Number(r.month_of_year), days: Number(r.days), repeat_days: Number(r.repeat_days), exposure: Number(r.exposure) }));
  const full = seasonFromMonths(rows);
  if (full || !model) return full;
  const births = (await db.all<{ first_day: string; customers: number }>(readSql('features/season_births.sql'), params))
    .map((b) => ({ first_day: String(b.first_day), customers: Number(b.customers) }));
  const cohorts = (await db.all<{ cohort: string; part: number; month: string; repeat_days: number }>(readSql('features/season_cohorts.sql'), params))
    .map((c) => ({ cohort: String(c.cohort), part: Number(c.part), month: String(c.month), repeat_days: Number(c.repeat_days) }));
  return shortSeason(trackMonths(rows, births, cohorts, model, unitDays));
}
