import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../shared/random.js';

export interface DemoOptions {
  customers: number;
  seed: number;
  /** Months of history, ending at `endDate`. */
  months: number;
  /** The last day of the history (fixed so that the demo is the same on every day it runs). */
  endDate?: string;
  /** Multiplies purchase rates and divides drop-out chances: 1 gives about 6 order lines a customer, 2 about 11. */
  activity?: number;
  /** Append a few malformed order lines, so that rejected rows have something to show. */
  withBadRows?: boolean;
}

export interface DemoFiles {
  orders: string;
  customers: string;
  tickets: string;
  /** Who referred whom (referrer_id, referred_id, date). */
  referrals: string;
  /** The truth behind the data, for tests: customers simulated as gone by the end. */
  stats: { customers: number; orders: number; refunds: number; guestOrders: number; tickets: number; referrals: number; badRows: number; endDate: string };
}

const DAY_MS = 86_400_000;
/** Relative purchase intensity by calendar month, January first: a retail year with a strong Q4. */
const SEASON = [0.85, 0.8, 0.95, 1, 1, 0.95, 0.9, 0.95, 1, 1.05, 1.4, 1.6];
const SEASON_MAX = Math.max(...SEASON);
const CATEGORIES = ['books', 'music', 'electronics', 'home', 'fashion', 'toys'] as const;
const CHANNELS = ['web', 'app', 'store'] as const;
const COUNTRIES = ['ES', 'FR', 'DE', 'IT', 'PT', 'GB', 'US', 'MX'] as const;
const ACQUISITION = ['organic', 'paid_search', 'social', 'referral', 'email'] as const;

/** Buffered line writer: one syscall per ~1 MB, not per row. */
class LineWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(path: string, header: string) {
    this.fd = openSync(path, 'w');
    this.line(header);
  }
  line(text: string): void {
    this.parts.push(text);
    this.size += text.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.parts.length) writeSync(this.fd, this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Guest checkouts (no customer id): about one order in thirty of the
 * customers', spread over the period, from a generator of their own so that
 * the customers' histories are the same with or without them.
 */
function writeGuestOrders(orders: LineWriter, seed: number, start: number, end: number, customers: number): number {
  const rng = new Random(seed + 7919);
  const n = Math.round(customers * 0.2);
  for (let i = 1; i <= n; i++) {
    const at = start + (end - start) * Math.pow(rng.uniform(), 0.8);
    const amount = Math.max(1, rng.gamma(8, 40 / 8));
    orders.line([`G${String(i).padStart(7, '0')}`, '', isoTs(at), amount.toFixed(2), 'USD', rng.pick(CATEGORIES), 'web', 'false'].join(','));
  }
  return n;
}
/** An instant as ISO 8601 UTC to the second, as the demo's files write it. */
export const isoTs = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The buyer types behind the demo's customers (the truth personas are
 * tested against): each sets the customer's channel, discount use, the
 * share of purchases on a weekend, basket size and purchase rate; 'mixed'
 * keeps the customer's own random tastes.
 */
export const ARCHETYPES = {
  app_bargain_hunter: { share: 0.25, channels: [0.12, 1, 0.04], discount: 0.8, weekend: 0.75, basket: 0.65, rate: 1.3 },
  web_regular: { share: 0.25, channels: [1, 0.12, 0.04], discount: 0.06, weekend: 0.08, basket: 0.9, rate: 1.6 },
  store_big_basket: { share: 0.2, channels: [0.06, 0.06, 1], discount: 0.15, weekend: 0.5, basket: 2.4, rate: 0.6 },
  mixed: { share: 0.3, channels: undefined, discount: undefined, weekend: 2 / 7, basket: 1, rate: 0.7 },
} as const;
export type Archetype = keyof typeof ARCHETYPES;

/** The archetype of demo customer number `i` (1-based) under `seed`: a stream of its own, so tests can recompute it. */
export function demoArchetype(seed: number, i: number): Archetype {
  const u = new Random((seed * 1_000_003 + i * 7_919) >>> 0).uniform();
  let acc = 0;
  for (const [name, a] of Object.entries(ARCHETYPES)) {
    acc += a.share;
    if (u < acc) return name as Archetype;
  }
  return 'mixed';
}

/** Moves a purchase day towards the archetype's weekend share: a weekday to the coming Saturday or Sunday, or a weekend day to Monday. */
function weekendShift(dayMs: number, weekend: number, taste: Random): number {
  const dow = new Date(dayMs).getUTCDay(); // 0 = Sunday
  const isWeekend = dow === 0 || dow === 6;
  const natural = 2 / 7;
  if (!isWeekend && weekend > natural && taste.bernoulli((weekend - natural) / (1 - natural))) return dayMs + ((6 - dow) + taste.int(2)) * DAY_MS;
  if (isWeekend && weekend < natural && taste.bernoulli((natural - weekend) / natural)) return dayMs + (dow === 6 ? 2 : 1) * DAY_MS;
  return dayMs;
}

/** The day an order at `t` is placed on, after the archetype's weekend shift (none past the end of the history). */
function purchaseDay(t: number, weekend: number, taste: Random, end: number): number {
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  const shifted = weekendShift(day, weekend, taste);
  return shifted + DAY_MS - 1 <= end ? shifted : day;
}

/**
 * Writes a seeded, realistic order history into `dir`: customers acquired
 * over the period, each with a gamma-distributed purchase rate and spend
 * level, a small high-value group, a Q4 season, customers who drift (their
 * rate decays) and customers who leave (a chance after every order,
 * higher after an unresolved complaint), refunds as negative rows, discount
 * use, categories and channels, support tickets, and a customers file.
 * Each customer is one of a few buyer types (ARCHETYPES), the structure
 * that personas should find.
 */
export function generateDemoData(dir: string, options: DemoOptions): DemoFiles {
  mkdirSync(dir, { recursive: true });
  const rng = new Random(options.seed);
  const end = Date.parse(`${options.endDate ?? '2026-09-30'}T23:59:59Z`);
  const start = end - options.months * 30.44 * DAY_MS;
  const files = { orders: join(dir, 'orders.csv'), customers: join(dir, 'customers.csv'), tickets: join(dir, 'tickets.csv'), referrals: join(dir, 'referrals.csv') };
  const orders = new LineWriter(files.orders, 'order_id,customer_id,order_ts,amount,currency,category,channel,discount_used');
  const customers = new LineWriter(files.customers, 'customer_id,signup_date,birth_date,country,acquisition_channel');
  const tickets = new LineWriter(files.tickets, 'ticket_id,customer_id,opened_ts,kind,resolved');
  // A referral programme's export names its date column "date".
  const referrals = new LineWriter(files.referrals, 'referrer_id,referred_id,date');
  /** Each customer's first order (ms; 0 before it is written), for the referrals. */
  const firstOrderAt = new Float64Array(options.customers + 1);
  let referralCount = 0;
  let orderNo = 0;
  let refundNo = 0;
  let ticketNo = 0;
  const width = String(options.customers).length;

  for (let i = 1; i <= options.customers; i++) {
    const id = `C${String(i).padStart(width, '0')}`;
    const vip = rng.bernoulli(0.04);
    // Acquisition leans towards later months: the business grows.
    const firstAt = start + (end - start) * Math.pow(rng.uniform(), 0.8);
    const activity = options.activity ?? 1;
    const type = ARCHETYPES[demoArchetype(options.seed, i)];
    const taste = new Random((options.seed * 31 + i) >>> 0);
    const rate = rng.gamma(1.5, 1 / 50) * (vip ? 2.5 : 1) * activity * type.rate; // orders per day
    const drift = rng.bernoulli(0.25) ? rng.gamma(2, 1 / 400) : 0; // per-day decay of the rate
    const dropout = (vip ? rng.beta(1, 16) : rng.beta(1.2, 8)) / activity; // chance of leaving after each order
    const spendLevel = rng.gamma(1.6, 28) * (vip ? 3 : 1) * type.basket;
    const favourite = rng.int(CATEGORIES.length);
    const ownChannels = [rng.uniform() + 0.3, rng.uniform(), rng.uniform() * 0.6];
    const channelWeights = type.channels ? [...type.channels] : ownChannels;
    const ownDiscount = rng.beta(1, 3);
    const discountTaste = type.discount ?? ownDiscount;
    const signup = firstAt - rng.int(60) * DAY_MS;
    const birthYear = 1950 + rng.int(55);
    const birthDate = `${birthYear}-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}`;
    const country = rng.pick(COUNTRIES);
    const acquisition = rng.pick(ACQUISITION);
    customers.line([id, isoDate(signup), birthDate, country, acquisition].join(','));
    // Customers acquired by referral name an earlier customer who had bought by then (one in five has none to name).
    if (acquisition === 'referral') {
      for (let tries = 0; tries < 10 && i > 1; tries++) {
        const j = 1 + taste.int(i - 1);
        if (firstOrderAt[j]! > 0 && firstOrderAt[j]! < signup) {
          referrals.line([`C${String(j).padStart(width, '0')}`, id, isoDate(signup)].join(','));
          referralCount++;
          break;
        }
      }
    }

    let t = firstAt;
    let leaveBoost = 0;
    for (;;) {
      const month = new Date(t).getUTCMonth();
      const amount = Math.max(1, rng.gamma(8, spendLevel / 8) * (month >= 10 ? 1.15 : 1));
      const orderId = `O${String(++orderNo).padStart(8, '0')}`;
      const category = rng.bernoulli(0.6) ? CATEGORIES[favourite]! : rng.pick(CATEGORIES);
      const placed = purchaseDay(t, type.weekend, taste, end) + rng.int(DAY_MS);
      if (firstOrderAt[i] === 0) firstOrderAt[i] = placed;
      orders.line(
        [orderId, id, isoTs(placed), amount.toFixed(2), 'USD', category, rng.pick(CHANNELS, channelWeights),
          rng.bernoulli(discountTaste) ? 'true' : 'false'].join(','),
      );
      if (rng.bernoulli(0.05)) {
        const at = t + (3 + rng.int(28)) * DAY_MS;
        if (at <= end) {
          const refunded = rng.bernoulli(0.6) ? amount : amount / 2;
          orders.line([`R${String(++refundNo).padStart(7, '0')}`, id, isoTs(at), (-refunded).toFixed(2), 'USD', category, 'web', 'false'].join(','));
        }
      }
      if (rng.bernoulli(0.07)) {
        const complaint = rng.bernoulli(0.55);
        const resolved = rng.bernoulli(complaint ? 0.6 : 0.9);
        const at = t + (1 + rng.int(10)) * DAY_MS;
        if (at <= end) {
          tickets.line([`T${String(++ticketNo).padStart(7, '0')}`, id, isoTs(at), complaint ? 'complaint' : rng.pick(['question', 'delivery']), resolved].join(','));
          if (complaint && !resolved) leaveBoost += 0.3;
        }
      }
      if (rng.bernoulli(Math.min(0.95, dropout + leaveBoost))) break;
      // Next order: a seasonal Poisson process by thinning, slowing for drifting customers.
      let next = t;
      for (;;) {
        const current = rate * Math.exp(-drift * ((next - firstAt) / DAY_MS));
        next += rng.exponential(current * SEASON_MAX) * DAY_MS;
        if (next > end || rng.uniform() < SEASON[new Date(next).getUTCMonth()]! / SEASON_MAX) break;
      }
      if (next > end) break;
      t = next;
    }
  }

  const guestOrders = writeGuestOrders(orders, options.seed, start, end, options.customers);
  let badRows = 0;
  if (options.withBadRows) {
    // Lines a real export produces now and then; each is rejected with its reason.
    const bad = [
      'B0000001,C1,2025-03-01T10:00:00Z,"12,50",USD,books,web,false',
      'B0000002,C7,0001-01-01T00:00:00Z,20.00,USD,books,web,false',
      'B0000003,C2,03/04/2025,20.00,USD,books,web,false',
      'B0000004,C3,2031-01-01T00:00:00Z,20.00,USD,books,web,false',
      'B0000005,C4,2025-03-05T10:00:00Z,twenty,USD,books,web,false',
      'B0000006,C5,2025-03-06T10:00:00Z,20.00,USD,books',
      'B0000007,C6,2025-03-07T10:00:00Z,20.00,EUR,books,web,false',
    ];
    for (const line of bad) orders.line(line);
    badRows = bad.length;
  }
  orders.close();
  customers.close();
  tickets.close();
  referrals.close();
  return {
    ...files,
    stats: { customers: options.customers, orders: orderNo, refunds: refundNo, guestOrders, tickets: ticketNo, referrals: referralCount, badRows, endDate: isoDate(end) },
  };
}
