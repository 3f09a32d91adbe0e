import { writeFileSync } from 'node:fs';
import { Random } from '../shared/random.js';

/*
 * Seeded order histories shaped like real shops', where the demo's
 * well-behaved models go wrong. One row per invoice
 * (order_id, customer_id, order_ts, amount).
 *
 * seasonal-shop: a gift retailer, two years to a December, and
 *
 *   - a strong fourth quarter (September to November about twice the
 *     summer's purchases), and gift buyers who come once a year, in it;
 *   - a customer base already running when the export starts, so that
 *     long-standing customers look new in its first months;
 *   - many one-time buyers, who leave right after their first purchase;
 *   - several invoices on one purchase day (an order split, a forgotten item);
 *   - a handful of wholesale customers buying every week or so for hundreds.
 *
 * steady-shop: a wholesaler's year (December to December), its trade
 * customers reordering at a steady rhythm, hardly any of them leaving
 * within the year, a base already running when the export starts, one-time
 * buyers, several invoices a day: a history with no visible dropout, on
 * which BG/NBD's dropout runs to zero and P(alive) stays near 1 whatever
 * a customer's silence.
 *
 * growing-shop: a gift retailer whose export starts on 2010-12-01 and ends
 * on 2011-12-09, its base growing through 2011 (each month acquires more
 * customers than the one before, about three times as many in November as
 * in January), a fourth quarter (October to December) with 1.5 times the
 * purchases of the rest of the year, a base already running when the
 * export starts, one-time buyers, several invoices a day. Scored as of
 * 2011-09-09, its history holds one December and its horizon reaches the
 * next Christmas quarter, which the rest of the file shows.
 *
 * Used by the tests of the models on real histories and by
 * `fidelio demo-data --shape seasonal-shop|steady-shop|growing-shop`.
 */

export type HistoryShape = 'seasonal-shop' | 'steady-shop' | 'growing-shop';
export const HISTORY_SHAPES: HistoryShape[] = ['seasonal-shop', 'steady-shop', 'growing-shop'];
export interface HistoryTruth {
  invoices: number;
  customers: number;
  /** The first and last day of the history. */
  start: string;
  end: string;
  /** Customers of each kind, by id. */
  wholesale: string[];
  giftBuyers: string[];
}

const DAY = 86_400_000;
/** Purchase intensity by calendar month, January first (mean about 1). */
export const SEASONAL_SHOP_MONTHS = [0.65, 0.6, 0.75, 0.75, 0.8, 0.75, 0.75, 0.8, 1.35, 1.6, 1.9, 1.3];
const PEAK = Math.max(...SEASONAL_SHOP_MONTHS);

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** One customer's purchase days between `from` and `to` (ms), as day starts. */
function purchaseDays(rng: Random, kind: 'one-time' | 'gift' | 'regular' | 'wholesale', born: number, from: number, to: number): number[] {
  const days: number[] = [];
  const push = (t: number) => {
    if (t >= from && t <= to) days.push(Math.floor(t / DAY) * DAY);
  };
  if (kind === 'one-time') {
    push(born);
    return days;
  }
  if (kind === 'gift') {
    // Once a year, some day between mid-September and mid-December, for several years.
    const years = 2 + rng.int(6);
    const first = new Date(born).getUTCFullYear();
    for (let y = first; y < first + years; y++) push(Date.UTC(y, 8, 15) + rng.uniform() * 90 * DAY);
    return days;
  }
  const rate = kind === 'wholesale' ? 1 / 8 : rng.gamma(0.9, 1 / 45);
  const dropout = kind === 'wholesale' ? 0 : rng.beta(1, 9);
  let t = born;
  push(t);
  // Thinning: candidate times at the peak rate, kept with the month's share of it.
  for (let guard = 0; guard < 5000; guard++) {
    if (rng.bernoulli(dropout)) break;
    do t += rng.exponential(rate * PEAK) * DAY;
    while (t <= to && !rng.bernoulli(SEASONAL_SHOP_MONTHS[new Date(t).getUTCMonth()]! / PEAK));
    if (t > to) break;
    push(t);
  }
  return days;
}

interface Invoice {
  at: number;
  customer: string;
  cents: number;
}

/** Several invoices on a purchase day now and then, a few hours apart, splitting the day's basket. */
function invoicesOf(rng: Random, customer: string, day: number, basket: number, out: Invoice[]): void {
  const invoices = rng.bernoulli(0.3) ? 2 + rng.int(3) : 1;
  for (let k = 0; k < invoices; k++) {
    const at = day + (8 + rng.int(4) + 2 * k) * 3_600_000 + rng.int(60) * 60_000;
    out.push({ at, customer, cents: Math.max(100, Math.round((basket * Math.exp(0.4 * rng.normal())) / invoices)) });
  }
}

function writeInvoices(path: string, rows: Invoice[]): void {
  rows.sort((a, b) => a.at - b.at || a.customer.localeCompare(b.customer));
  const lines = rows.map((r, i) => `${536365 + i},${r.customer},${iso(r.at)},${(r.cents / 100).toFixed(2)}`);
  writeFileSync(path, ['order_id,customer_id,order_ts,amount', ...lines].join('\n') + '\n');
}

/** Writes the seasonal shop's invoices to `path` (CSV, ISO timestamps) and returns what it holds. */
export function writeSeasonalShop(path: string, seed = 42, customers = 4000): HistoryTruth {
  const rng = new Random(seed);
  const start = Date.UTC(2009, 11, 1);
  const end = Date.UTC(2011, 11, 9);
  const rows: Invoice[] = [];
  const wholesale: string[] = [];
  const giftBuyers: string[] = [];
  for (let c = 0; c < customers; c++) {
    const id = String(12346 + c);
    const kind = c < 5 ? 'wholesale' : rng.bernoulli(0.35) ? 'one-time' : rng.bernoulli(0.2) ? 'gift' : 'regular';
    if (kind === 'wholesale') wholesale.push(id);
    if (kind === 'gift') giftBuyers.push(id);
    // A third of the base was acquired before the export starts.
    const born = rng.bernoulli(1 / 3) ? start - rng.uniform() * 730 * DAY : start + rng.uniform() * (end - start);
    const basket = kind === 'wholesale' ? 30_000 + rng.int(170_000) : Math.round(Math.exp(Math.log(2500) + 0.8 * rng.normal()));
    for (const day of purchaseDays(rng, kind, born, start, end)) invoicesOf(rng, id, day, basket, rows);
  }
  writeInvoices(path, rows);
  return {
    invoices: rows.length, customers: new Set(rows.map((r) => r.customer)).size,
    start: new Date(start).toISOString().slice(0, 10), end: new Date(end).toISOString().slice(0, 10),
    wholesale, giftBuyers,
  };
}

/**
 * Writes the steady shop's invoices to `path`: its trade customers reorder
 * every few weeks at a regular rhythm (gamma gaps of shape 4) and hardly
 * any leave within the year (`churners` of them stop after a few months).
 * `silent` lists the customers who did stop, for the tests.
 */
export function writeSteadyShop(path: string, seed = 42, customers = 4339, churners = 0.04): HistoryTruth & { silent: string[] } {
  const rng = new Random(seed);
  const start = Date.UTC(2010, 11, 1);
  const end = Date.UTC(2011, 11, 9);
  const rows: Invoice[] = [];
  const silent: string[] = [];
  for (let c = 0; c < customers; c++) {
    const id = String(12346 + c);
    const basket = Math.round(Math.exp(Math.log(4000) + 0.8 * rng.normal()));
    // A third of the base was buying before the export starts: its first invoice in the file is not its first.
    const born = rng.bernoulli(1 / 3) ? start - rng.uniform() * 365 * DAY : start + rng.uniform() * (end - start);
    if (rng.bernoulli(0.3)) {
      if (born >= start) invoicesOf(rng, id, Math.floor(born / DAY) * DAY, basket, rows);
      continue;
    }
    const gap = Math.exp(Math.log(28) + 0.7 * rng.normal());
    const stops = rng.bernoulli(churners) ? start + rng.uniform() * 120 * DAY : Infinity;
    if (stops < Infinity) silent.push(id);
    let t = born;
    for (let guard = 0; guard < 2000 && t <= end && t <= stops; guard++) {
      if (t >= start) invoicesOf(rng, id, Math.floor(t / DAY) * DAY, basket, rows);
      t += rng.gamma(4, gap / 4) * DAY;
    }
  }
  writeInvoices(path, rows);
  return {
    invoices: rows.length, customers: new Set(rows.map((r) => r.customer)).size,
    start: new Date(start).toISOString().slice(0, 10), end: new Date(end).toISOString().slice(0, 10),
    wholesale: [], giftBuyers: [], silent: silent.filter((id) => rows.some((r) => r.customer === id)),
  };
}

/** Purchase intensity by calendar month of the growing shop, January first: the fourth quarter 1.5 times the rest. */
export const GROWING_SHOP_MONTHS = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 1.5, 1.5];

/**
 * Writes the growing shop's invoices to `path` (see the header): customers
 * acquired at a rate rising linearly from the start (a third of the base
 * already buying before it), each a one-time buyer (30%) or a repeat buyer
 * with a gamma-distributed rate, a beta-distributed chance of leaving after
 * each purchase, and the months' intensity (GROWING_SHOP_MONTHS).
 */
export function writeGrowingShop(path: string, seed = 42, customers = 5000): HistoryTruth {
  const rng = new Random(seed);
  const start = Date.UTC(2010, 11, 1);
  const end = Date.UTC(2011, 11, 9);
  const span = end - start;
  const peak = Math.max(...GROWING_SHOP_MONTHS);
  const rows: Invoice[] = [];
  for (let c = 0; c < customers; c++) {
    const id = String(12346 + c);
    const basket = Math.round(Math.exp(Math.log(2000) + 0.8 * rng.normal()));
    // Acquisition density rising linearly, 1 at the start to 3 at the end (inverse transform of the CDF).
    const u = rng.uniform();
    const born = rng.bernoulli(0.25) ? start - rng.uniform() * 365 * DAY : start + span * ((Math.sqrt(1 + 8 * u) - 1) / 2);
    if (rng.bernoulli(0.3)) {
      if (born >= start) invoicesOf(rng, id, Math.floor(born / DAY) * DAY, basket, rows);
      continue;
    }
    const rate = rng.gamma(1.2, 1 / 40);
    const dropout = rng.beta(1, 12);
    let t = born;
    if (t >= start) invoicesOf(rng, id, Math.floor(t / DAY) * DAY, basket, rows);
    for (let guard = 0; guard < 5000; guard++) {
      if (rng.bernoulli(dropout)) break;
      do t += rng.exponential(rate * peak) * DAY;
      while (t <= end && !rng.bernoulli(GROWING_SHOP_MONTHS[new Date(t).getUTCMonth()]! / peak));
      if (t > end) break;
      if (t >= start) invoicesOf(rng, id, Math.floor(t / DAY) * DAY, basket, rows);
    }
  }
  writeInvoices(path, rows);
  return {
    invoices: rows.length, customers: new Set(rows.map((r) => r.customer)).size,
    start: new Date(start).toISOString().slice(0, 10), end: new Date(end).toISOString().slice(0, 10),
    wholesale: [], giftBuyers: [],
  };
}

/** Writes one history of the given shape. */
export function writeHistory(shape: HistoryShape, path: string, seed = 42, customers?: number): HistoryTruth {
  if (shape === 'growing-shop') return writeGrowingShop(path, seed, customers);
  return shape === 'seasonal-shop' ? writeSeasonalShop(path, seed, customers) : writeSteadyShop(path, seed, customers);
}
