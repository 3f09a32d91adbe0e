import { dateParam, type Database } from '../db/Database.js';
import { bgnbdConditionalExpected, bgnbdPAlive, bgnbdProbabilityNoPurchase, fitBgNbd, type BgNbdParams } from './bgnbd.js';
import type { FitReport } from './fitReport.js';
import { fitGammaGamma, gammaGammaExpectedSpend, type GammaGammaParams } from './gammaGamma.js';
import { summarySql, type CustomerSummary } from './summary.js';

/** Purchases (not refunds) as the BTYD models see them. */
const PURCHASES = '(SELECT customer_id, order_date AS day, amount FROM orders WHERE amount >= 0)';

export interface BtydModels {
  calibration_end: string;
  unit_days: number;
  customers: number;
  bgnbd: BgNbdParams & { report: FitReport };
  gamma_gamma: GammaGammaParams & { report: FitReport };
}

interface SummaryColumns {
  ids: (string | null)[];
  rows: (CustomerSummary & { mean_repeat_value: number })[];
}

async function readSummary(db: Database, calibrationEnd: string, unitDays: number): Promise<SummaryColumns> {
  const cols = await db.columns(summarySql(PURCHASES), { calibration_end: dateParam(calibrationEnd), unit_days: unitDays });
  const x = cols.x as Float64Array;
  const t_x = cols.t_x as Float64Array;
  const T = cols.T as Float64Array;
  const m = cols.mean_repeat_value as Float64Array;
  return {
    ids: cols.customer_id as (string | null)[],
    rows: Array.from(x, (_, i) => ({ x: x[i]!, t_x: t_x[i]!, T: T[i]!, mean_repeat_value: m[i]! })),
  };
}

/** Fits BG/NBD and Gamma-Gamma on purchases up to `calibrationEnd` (time unit: `unitDays` days). */
export async function fitBtydModels(db: Database, calibrationEnd: string, unitDays = 7): Promise<BtydModels> {
  const { rows } = await readSummary(db, calibrationEnd, unitDays);
  if (rows.length === 0) throw new Error(`no purchases on or before ${calibrationEnd} to fit the BTYD models on`);
  const bg = fitBgNbd(rows);
  const gg = fitGammaGamma(rows);
  return {
    calibration_end: calibrationEnd,
    unit_days: unitDays,
    customers: rows.length,
    bgnbd: { ...bg.params, report: bg.report },
    gamma_gamma: { ...gg.params, report: gg.report },
  };
}

/**
 * Scores every customer with purchases up to `asOf` into `target`:
 * p_alive, the probability of no purchase in the horizon, expected purchases over the horizon, expected order value
 * (Gamma-Gamma), expected spend over the horizon, and the 12-month CLV:
 * the expected purchases of each of the next 12 months times the expected
 * order value, each month discounted at the annual rate from its midpoint.
 */
export async function scoreBtyd(
  db: Database,
  models: BtydModels,
  asOf: string,
  horizonDays: number,
  annualDiscountRate: number,
  target: string,
): Promise<number> {
  const { ids, rows } = await readSummary(db, asOf, models.unit_days);
  const n = rows.length;
  const out = {
    p_alive: new Float64Array(n),
    p_no_purchase: new Float64Array(n),
    expected_purchases: new Float64Array(n),
    expected_order_value: new Float64Array(n),
    expected_spend: new Float64Array(n),
    clv_12m: new Float64Array(n),
  };
  const monthUnits = 365.25 / 12 / models.unit_days;
  const discount = Array.from({ length: 12 }, (_, m) => Math.pow(1 + annualDiscountRate, -(m + 0.5) / 12));
  const cache = new Map<string, [number, number, number, number]>();
  for (let i = 0; i < n; i++) {
    const { x, t_x, T, mean_repeat_value } = rows[i]!;
    const key = `${x}|${t_x}|${T}`;
    let hit = cache.get(key);
    if (!hit) {
      const pAlive = bgnbdPAlive(models.bgnbd, x, t_x, T);
      const horizon = bgnbdConditionalExpected(models.bgnbd, horizonDays / models.unit_days, x, t_x, T);
      let previous = 0;
      let discounted = 0;
      for (let m = 1; m <= 12; m++) {
        const cumulative = bgnbdConditionalExpected(models.bgnbd, m * monthUnits, x, t_x, T);
        discounted += (cumulative - previous) * discount[m - 1]!;
        previous = cumulative;
      }
      hit = [pAlive, horizon, discounted, bgnbdProbabilityNoPurchase(models.bgnbd, horizonDays / models.unit_days, x, t_x, T)];
      cache.set(key, hit);
    }
    const orderValue = gammaGammaExpectedSpend(models.gamma_gamma, x, mean_repeat_value);
    out.p_alive[i] = hit[0];
    out.p_no_purchase[i] = hit[3];
    out.expected_purchases[i] = hit[1];
    out.expected_order_value[i] = orderValue;
    out.expected_spend[i] = hit[1] * orderValue;
    out.clv_12m[i] = hit[2] * orderValue;
  }
  await db.run(`CREATE OR REPLACE TABLE ${target} (customer_id VARCHAR, p_alive DOUBLE, p_no_purchase DOUBLE, expected_purchases DOUBLE,
    expected_order_value DOUBLE, expected_spend DOUBLE, clv_12m DOUBLE)`);
  await db.appendColumns(target, [ids, out.p_alive, out.p_no_purchase, out.expected_purchases, out.expected_order_value, out.expected_spend, out.clv_12m]);
  return n;
}
