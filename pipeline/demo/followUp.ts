import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Database, literal } from '../db/Database.js';
import { InputError } from '../errors.js';
import { csvLine } from '../shared/csv.js';
import { Random } from '../shared/random.js';
import { demoArchetype, isoTs, type Archetype } from './generateDemoData.js';

/*
 * What happened after a demo run, for the marketing loop: the orders of the
 * days after a publication's as-of, simulated from what it published. Each
 * customer buys (once) with the chance its churn score leaves them,
 * 1 - churn_probability ^ (days / horizon); a customer it contacted buys
 * with that chance plus the action's true effect (TRUE_EFFECTS), the
 * control group without it. `surprise` is the placebo: a thank-you to
 * customers who would stay anyway, with no effect on whether they buy. A
 * second run a horizon later measures the first (action_effects) and must
 * find these effects within its intervals. With byType each buyer type
 * has its own effect (TYPE_EFFECTS); with reach only that share of the
 * contacted is reached (contacts.csv), the others getting no effect.
 */

export const TRUE_EFFECTS: Record<string, number> = { save: 0.2, win_back: 0.12, grow: 0.08, nurture: 0.08, surprise: 0 };

/**
 * With byType: each buyer type's own true effect per action on the customers
 * reached (points of retention): every action but the placebo works on one
 * type, does nothing for another and drives a third away. The save keeps
 * the discount-driven app bargain hunters, does nothing for store big
 * baskets and annoys the web regulars, as a save offer would.
 */
export const TYPE_EFFECTS: Record<string, Record<Archetype, number>> = {
  save: { app_bargain_hunter: 0.25, store_big_basket: 0, web_regular: -0.15, mixed: 0.1 },
  win_back: { app_bargain_hunter: 0.2, store_big_basket: -0.1, web_regular: 0, mixed: 0.05 },
  grow: { store_big_basket: 0.15, app_bargain_hunter: 0, web_regular: -0.08, mixed: 0.05 },
  nurture: { web_regular: 0.12, store_big_basket: 0, app_bargain_hunter: -0.08, mixed: 0.04 },
  surprise: { app_bargain_hunter: 0, store_big_basket: 0, web_regular: 0, mixed: 0 },
};

export interface FollowUpOptions {
  /** Days after as-of to simulate (default: the run's horizon, so that its effects become measurable). */
  days?: number;
  seed: number;
  /** Retention uplift per action (points of probability); default TRUE_EFFECTS. */
  effects?: Record<string, number>;
  /**
   * Each buyer type its own effect (TYPE_EFFECTS), the type recomputed from
   * the demo's customer number and the demo's seed (demoArchetype).
   */
  byType?: { demoSeed: number };
  /**
   * The share of the contacted that marketing reached (default 1): only they
   * get the effect, and they are written to contacts.csv (for fidelio
   * contacts --file), the others told nothing.
   */
  reach?: number;
}

export interface FollowUp {
  orders: string;
  run_id: string;
  as_of: string;
  /** The day a run measures this one's effects: as-of + the days simulated. */
  measure_as_of: string;
  days: number;
  true_effects: Record<string, number>;
  /** With byType: the effect per action and buyer type. */
  type_effects?: Record<string, Record<string, number>>;
  /** With reach: the contacts file of those reached, and their count. */
  contacts_file?: string;
  reached?: number;
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
  const reach = options.reach ?? 1;
  if (!(reach > 0 && reach <= 1)) throw new InputError(`the share of the contacted reached must be above 0 and at most 1, got ${reach}`);
  const typeOf = (customerId: string): Archetype | undefined => {
    const n = /^C0*(\d+)$/.exec(customerId);
    return options.byType && n ? demoArchetype(options.byType.demoSeed, Number(n[1])) : undefined;
  };
  const effectOf = (c: Scored): number => {
    const type = typeOf(c.customer_id);
    return type ? (TYPE_EFFECTS[c.action]?.[type] ?? 0) : (effects[c.action] ?? 0);
  };
  const rng = new Random(options.seed);
  // Who is reached is drawn from a stream of its own, so that reach = 1 leaves the orders as they were.
  const reachRng = new Random((options.seed * 2_654_435_761) >>> 0);
  const contactLines = ['customer_id,action,contacted_at,channel,cost'];
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'follow-up.csv');
  const fd = openSync(path, 'w');
  let contacted = 0;
  let controls = 0;
  let purchases = 0;
  let reached = 0;
  try {
    const lines = ['order_id,customer_id,order_ts,amount,currency,category,channel,discount_used'];
    const start = Date.parse(`${asOf}T00:00:00Z`);
    for (const c of rows) {
      if (c.contact) contacted++;
      if (c.is_control) controls++;
      const isReached = c.contact && (reach >= 1 || reachRng.bernoulli(reach));
      if (isReached) {
        reached++;
        // Contacted within the first week after the publication.
        if (options.reach !== undefined) contactLines.push(csvLine([c.customer_id, c.action, isoTs(start + (1 + reachRng.int(7)) * DAY_MS).slice(0, 10), 'email', '']));
      }
      const stays = 1 - Math.pow(Math.min(Math.max(c.churn_probability, 0), 1), days / run.horizon_days);
      const uplift = isReached ? effectOf(c) : 0;
      const buys = rng.bernoulli(Math.min(1, Math.max(0, stays + uplift)));
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
  let contactsFile: string | undefined;
  if (options.reach !== undefined) {
    contactsFile = join(dir, 'contacts.csv');
    writeFileSync(contactsFile, contactLines.join('\n') + '\n');
  }
  return {
    orders: path, run_id: run.run_id, as_of: asOf, measure_as_of: measure, days, true_effects: effects,
    ...(options.byType ? { type_effects: TYPE_EFFECTS } : {}),
    ...(contactsFile ? { contacts_file: contactsFile, reached } : {}),
    customers: rows.length, contacted, controls, purchases,
  };
}
