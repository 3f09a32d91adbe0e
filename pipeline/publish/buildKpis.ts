import { dateParam, literal, type Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { InputError } from '../errors.js';
import type { Cmgr } from '../manifest.js';
import { buildCustomerDays, type CustomerDaysBuilt } from './kpisCustomerDays.js';

export interface CostOptions {
  perOrder: number;
  perActiveCustomer: number;
  /** CSV of month (YYYY-MM or a date in the month),cost: fixed costs per month. */
  monthlyFile?: string;
  /** Share of revenue left after the cost of goods. */
  grossMargin: number;
}


export interface KpiParams {
  horizonDays: number;
  /** The currency every amount is in (a column of kpis_monthly). */
  currency: string;
  /** Complete months the compound monthly growth rate spans. */
  cmgrMonths: number;
  costs?: CostOptions;
}

/**
 * The publish stage's business figures: `kpis_monthly` (one row per month,
 * kpis_monthly.sql, its per-customer counts from each customer's purchase
 * days: kpisCustomerDays.ts), `kpis_by_group` (per tier and segment,
 * kpis_by_group.sql) and the compound monthly growth rate of revenue over
 * the last `cmgrMonths` complete months. `prints`: the table of each
 * customer's order fingerprint as the orders are now (features_state), with
 * which the purchase days are carried from the last run.
 */
export async function buildKpis(db: Database, asOf: string, { horizonDays, currency, cmgrMonths, costs }: KpiParams, prints?: string): Promise<{ cmgr?: Cmgr; days: CustomerDaysBuilt }> {
  await db.run('CREATE OR REPLACE TEMP TABLE monthly_costs (month DATE, cost DOUBLE)');
  if (costs?.monthlyFile) {
    try {
      await db.run(`INSERT INTO monthly_costs SELECT CAST(date_trunc('month', CAST(CASE WHEN length(trim(month)) = 7 THEN trim(month) || '-01' ELSE trim(month) END AS DATE)) AS DATE),
        CAST(cost AS DOUBLE) FROM read_csv(${literal(costs.monthlyFile)}, header = true, columns = {'month': 'VARCHAR', 'cost': 'VARCHAR'}, auto_detect = false)`);
    } catch (err) {
      throw new InputError(`costs file ${costs.monthlyFile} cannot be read as CSV month,cost (month as YYYY-MM): ${(err as Error).message}`, { cause: err });
    }
  }
  const days = await buildCustomerDays(db, asOf, prints);
  await db.run(`CREATE OR REPLACE TABLE kpis_monthly AS ${readSql('publish/kpis_monthly.sql')}`, {
    as_of: dateParam(asOf), horizon: horizonDays, currency, has_costs: costs !== undefined,
    cost_per_order: costs?.perOrder ?? 0, cost_per_active_customer: costs?.perActiveCustomer ?? 0, gross_margin: costs?.grossMargin ?? 1,
  });
  await db.run(`CREATE OR REPLACE TABLE kpis_by_group AS ${readSql('publish/kpis_by_group.sql')}`);
  const growth = await cmgr(db, cmgrMonths);
  return { ...(growth ? { cmgr: growth } : {}), days };
}

/** Compound monthly growth rate of revenue: (last / first)^(1 / months) - 1 over the last complete months. */
export async function cmgr(db: Database, months: number): Promise<Cmgr | undefined> {
  const rows = await db.all<{ month: string; revenue: number }>(
    `SELECT CAST(month AS VARCHAR) AS month, CAST(revenue AS DOUBLE) AS revenue FROM kpis_monthly WHERE NOT is_partial_month ORDER BY month DESC LIMIT $1`,
    [months + 1],
  );
  if (rows.length < 2) return undefined;
  const last = rows[0]!;
  const first = rows[rows.length - 1]!;
  const n = rows.length - 1;
  const value = first.revenue > 0 && last.revenue > 0 ? Math.pow(last.revenue / first.revenue, 1 / n) - 1 : null;
  return { months: n, from: first.month, to: last.month, value: value === null ? null : Number(value.toFixed(6)) };
}
