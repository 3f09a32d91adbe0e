import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Database, literal } from '../db/Database.js';
import { InputError } from '../errors.js';
import { csvLine } from '../shared/csv.js';
import { Random } from '../shared/random.js';
import { isoTs } from './generateDemoData.js';

/**
 * What happened after a demo run, for the marketing loop: the orders of the
 * days after a publication's as-of, simulated from what it published. Each
 * customer buys (once) with the chance its churn score leaves them,
 * 1 - churn_probability ^ (days / horizon); a customer it contacted buys
 * with that chance plus the action's true effect (TRUE_EFFECTS), the
 * control group without it. `surprise` is the placebo: a thank-you to
 * customers who would stay anyway, with no effect on whether they buy. A
 * second run a horizon later measures the first (action_effects) and must
 * find these effects within its intervals.
 */
export const TRUE_EFFECTS: Record<string, number> = { save: 0.2, win_back: 0.12, grow: 0.08, nurture: 0.08, surprise: 0 };

export interface FollowUpOptions {
  /** Days after as-of to simulate (default: the run's horizon, so that its effects become measurable). */
  days?: number;
  seed: number;
  /** Retention uplift per action (points of probability); default TRUE_EFFECTS. */
  effects?: Record<string, number>;
}

export interface FollowUp {
  orders: string;
  run_id: string;
  as_of: string;
  /** The day a run measures this one's effects: as-of + the days simulated. */
  measure_as_of: string;
  days: number;
  true_effects: Record<string, number>;
  customers: number;
  contacted: number;
  controls: number;
  purchases: number;
}

interface Scored extends Record<string, unknown> {
  customer_id: string;
  as_of: string;
  churn_probability: number;
  historic_value: number;
  orders_count: number;
  action: string;
  contact: boolean;
  is_control: boolean;
  currency: string;
}

const DAY_MS = 86_400_000;

/** Writes `follow-up.csv` (orders) into `dir` from the publication in `published`. */
export async function writeFollowUp(published: string, dir: string, options: FollowUpOptions): Promise<FollowUp> {
  const db = await Database.open(join(published, 'fidelio.duckdb'), { readOnly: true }).catch((err: Error) => {
    throw new InputError(`${published} holds no readable publication (fidelio.duckdb): ${err.message.split('\n')[0]}`, { cause: err });
  });
  let rows: Scored[];
  let run: { run_id: string; horizon_days: number } | null | undefined;
  try {
    rows = await db.all<Scored>(`SELECT customer_id, CAST(as_of AS VARCHAR) AS as_of, churn_probability, historic_value, orders_count, action, contact, is_control, currency
      FROM customer_scores ORDER BY customer_id`);
    const asOf = rows[0]?.as_of;
    run = asOf ? await db.one<{ run_id: string; horizon_days: number }>(
      `SELECT run_id, horizon_days FROM customer_scores_history WHERE as_of = CAST(${literal(asOf)} AS DATE) ORDER BY run_id DESC LIMIT 1`) : null;
  } finally {
    db.close();
  }
  if (!rows.length || !run) throw new InputError(`${published}: the publication holds no scored customers to follow up`);
  const asOf = rows[0]!.as_of;
  const days = options.days ?? run.horizon_days;
  const effects = options.effects ?? TRUE_EFFECTS;
  const rng = new Random(options.seed);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'follow-up.csv');
  const fd = openSync(path, 'w');
  let contacted = 0;
  let controls = 0;
  let purchases = 0;
  try {
    const lines = ['order_id,customer_id,order_ts,amount,currency,category,channel,discount_used'];
    const start = Date.parse(`${asOf}T00:00:00Z`);
    for (const c of rows) {
      if (c.contact) contacted++;
      if (c.is_control) controls++;
      const stays = 1 - Math.pow(Math.min(Math.max(c.churn_probability, 0), 1), days / run.horizon_days);
      const uplift = c.contact ? (effects[c.action] ?? 0) : 0;
      const buys = rng.bernoulli(Math.min(1, stays + uplift));
      const amount = Math.max(5, c.historic_value / Math.max(c.orders_count, 1)) * rng.gamma(8, 1 / 8);
      const at = start + (1 + rng.int(days)) * DAY_MS + rng.int(DAY_MS);
      if (!buys) continue;
      purchases++;
      // Ids carry the as-of day, so a second turn of the loop adds orders instead of replacing the first turn's.
      lines.push(csvLine([`F${asOf.replaceAll('-', '')}-${String(purchases).padStart(7, '0')}`, c.customer_id,
        isoTs(at), amount.toFixed(2), c.currency, '', 'web', 'false']));
      if (lines.length >= 10_000) writeSync(fd, lines.splice(0).join('\n') + '\n');
    }
    if (lines.length) writeSync(fd, lines.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  const measure = new Date(Date.parse(`${asOf}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  return { orders: path, run_id: run.run_id, as_of: asOf, measure_as_of: measure, days, true_effects: effects, customers: rows.length, contacted, controls, purchases };
}
