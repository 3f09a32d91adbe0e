import { writeFileSync } from 'node:fs';
import { Random } from '../shared/random.js';

/*
 * Seeded files in the shapes real shops export, for trying `fidelio
 * inspect` and for the tests that take each shape from inspection to
 * published scores. Each writer also returns the truth computed from its
 * own values, in integer cents (never through fidelio): the revenue of each
 * month, guests' included, and the lines written.
 *
 *   line-items  a gift retailer's line items: InvoiceNo, StockCode, Description, Quantity,
 *               InvoiceDate (M/D/YYYY H:MM), UnitPrice, CustomerID, Country; cancellations as
 *               invoices prefixed C with negative quantities, guest lines without a CustomerID,
 *               several invoices a day, a strong fourth quarter
 *   european    a European spreadsheet export: ';' delimiter, decimal commas and thousands
 *               points, day/month dates (DD/MM/YYYY HH:MM), euros
 *   shop        a hosted shop platform's orders export: Name (#1001), Email, Financial Status,
 *               Created at (YYYY-MM-DD HH:MM:SS +0100), Currency, Total, Source; guests without email
 *   latin-1     a French shop's orders in Latin-1: commande, client, date (YYYY-MM-DD), montant,
 *               catégorie with accented categories
 */

export type ExportShape = 'line-items' | 'european' | 'shop' | 'latin-1';
export const EXPORT_SHAPES: ExportShape[] = ['line-items', 'european', 'shop', 'latin-1'];

export interface ExportTruth {
  /** Net revenue of each calendar month (YYYY-MM), in cents. */
  monthlyCents: Record<string, number>;
  /** The part of it from guests, per month. */
  guestCents: Record<string, number>;
  /** Data lines written (the header excluded). */
  lines: number;
  /** Of them, exact repeats of an earlier line that are not purchases (an export's glitch): duplicates. */
  duplicates: number;
  /** Of them, exact repeats of an earlier line of their order that are purchases (line items: the same item scanned twice). */
  repeated: number;
  /** Distinct orders and distinct customers (guests excluded). */
  orders: number;
  customers: number;
  currency: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const monthOf = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
/** Relative activity by calendar month: a strong fourth quarter. */
const SEASON = [0.7, 0.65, 0.8, 0.8, 0.85, 0.8, 0.8, 0.85, 1.0, 1.2, 1.6, 1.5];

class Truth {
  private readonly months: Record<string, number> = {};
  private readonly guests: Record<string, number> = {};
  private readonly orderIds = new Set<string>();
  private readonly customerIds = new Set<string>();
  lines = 0;

  constructor(readonly currency: string) {}

  add(orderId: string, customer: string, at: Date, cents: number): void {
    const m = monthOf(at);
    this.months[m] = (this.months[m] ?? 0) + cents;
    if (!customer) this.guests[m] = (this.guests[m] ?? 0) + cents;
    else this.customerIds.add(customer);
    this.orderIds.add(orderId);
    this.lines++;
  }

  result(): ExportTruth {
    return { monthlyCents: this.months, guestCents: this.guests, lines: this.lines, duplicates: 0, repeated: 0, orders: this.orderIds.size, customers: this.customerIds.size, currency: this.currency };
  }
}

/** Purchase times over a year and a half from 2024-07-01, customers coming back at their own rate, busier in the fourth quarter. */
function* visits(rng: Random, customers: number, start = Date.UTC(2024, 6, 1), days = 540): Generator<{ customer: number; at: Date }> {
  const events: { customer: number; at: number }[] = [];
  for (let c = 0; c < customers; c++) {
    const rate = rng.gamma(1.2, 1 / 40);
    const leaves = start + rng.exponential(1 / 400) * 86_400_000;
    let t = start + rng.uniform() * days * 86_400_000;
    while (t < start + days * 86_400_000 && t < leaves) {
      if (rng.uniform() < SEASON[new Date(t).getUTCMonth()]! / 1.6) events.push({ customer: c, at: t });
      t += rng.exponential(rate) * 86_400_000 + 3_600_000;
    }
  }
  events.sort((a, b) => a.at - b.at || a.customer - b.customer);
  for (const e of events) yield { customer: e.customer, at: new Date(Math.floor(e.at / 60_000) * 60_000) };
}

/** CSV field quoting: fields with the delimiter, a quote or a line break are quoted, quotes doubled. */
const field = (v: string, delimiter = ',') => (v.includes(delimiter) || v.includes('"') ? `"${v.replaceAll('"', '""')}"` : v);

function lineItems(path: string, rng: Random, customers: number): ExportTruth {
  const truth = new Truth('GBP');
  const out = ['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'];
  const products = Array.from({ length: 300 }, (_, i) => ({ code: String(84000 + i * 7), name: `${['HEART', 'LANTERN', 'MUG', 'BAG', 'CANDLE'][i % 5]} ${i}, ${['RED', 'WHITE', 'PINK'][i % 3]}`, cents: 25 + rng.int(1500) }));
  let invoice = 536365;
  let repeated = 0;
  const stamp = (d: Date) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${d.getUTCHours()}:${pad(d.getUTCMinutes())}`;
  const write = (id: string, customer: string, at: Date, items: { p: (typeof products)[number]; q: number }[]) => {
    for (const { p, q } of items) {
      out.push([id, p.code, field(p.name), String(q), stamp(at), (p.cents / 100).toFixed(2), customer, 'United Kingdom'].join(','));
      truth.add(id, customer, at, q * p.cents);
    }
  };
  for (const v of visits(rng, customers)) {
    const customer = rng.bernoulli(0.12) ? '' : String(12346 + v.customer);
    // A basket lists each product once, with its quantity.
    const basket = new Map<string, { p: (typeof products)[number]; q: number }>();
    for (let k = 1 + rng.int(12); k > 0; k--) {
      const p = rng.pick(products);
      basket.set(p.code, { p, q: 1 + rng.int(rng.bernoulli(0.1) ? 48 : 6) });
    }
    const items = [...basket.values()];
    const id = String(invoice++);
    write(id, customer, v.at, items);
    // Now and then the same item is scanned twice in one invoice: the line repeated exactly, two sales (in the truth).
    if (rng.bernoulli(0.02)) {
      write(id, customer, v.at, [items[0]!]);
      repeated++;
    }
    // Several invoices on one day: a second basket a little later.
    if (rng.bernoulli(0.15)) write(String(invoice++), customer, new Date(v.at.getTime() + 3_600_000), items.slice(0, 2));
    // A cancellation some days later: an invoice prefixed C with negative quantities.
    if (customer && rng.bernoulli(0.06)) {
      const back = new Date(v.at.getTime() + (1 + rng.int(20)) * 86_400_000);
      if (back.getTime() < Date.UTC(2025, 11, 22)) write(`C${invoice++}`, customer, back, [{ ...items[0]!, q: -items[0]!.q }]);
    }
  }
  writeFileSync(path, out.join('\n') + '\n');
  return { ...truth.result(), repeated };
}

/** Cents as a European number: thousands points, a decimal comma. */
const euro = (cents: number) => {
  const sign = cents < 0 ? '-' : '';
  const whole = Math.floor(Math.abs(cents) / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}${whole},${pad(Math.abs(cents) % 100)}`;
};

function european(path: string, rng: Random, customers: number): ExportTruth {
  const truth = new Truth('EUR');
  const out = ['Order No;Customer No;Order Date;Total;Currency;Channel'];
  let order = 100_000;
  for (const v of visits(rng, customers)) {
    const id = `EU-${order++}`;
    const customer = `K${pad(v.customer, 5)}`;
    const cents = rng.bernoulli(0.03) ? 100_000 + rng.int(400_000) : 500 + rng.int(40_000);
    const d = v.at;
    out.push([id, customer, `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`, euro(cents), 'EUR', rng.pick(['Web', 'App'])].join(';'));
    truth.add(id, customer, d, cents);
  }
  writeFileSync(path, out.join('\n') + '\n');
  return truth.result();
}

function shop(path: string, rng: Random, customers: number): ExportTruth {
  const truth = new Truth('EUR');
  const out = ['Name,Email,Financial Status,Created at,Currency,Subtotal,Shipping,Total,Discount Code,Source'];
  let order = 1001;
  for (const v of visits(rng, customers)) {
    const id = `#${order++}`;
    const email = rng.bernoulli(0.08) ? '' : `customer${v.customer}@example.com`;
    const subtotal = 1500 + rng.int(20_000);
    const shipping = subtotal > 10_000 ? 0 : 495;
    // The platform writes local times with their offset (Central European: +0100 in winter, +0200 in summer, the EU's
    // rule: from the last Sunday of March to the last Sunday of October, at 01:00 UTC).
    const summer = centralEuropeanSummer(v.at);
    const local = new Date(v.at.getTime() + (summer ? 2 : 1) * 3_600_000);
    const stamp = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:00 ${summer ? '+0200' : '+0100'}`;
    const code = rng.bernoulli(0.2) ? 'WELCOME10' : '';
    out.push([id, email, 'paid', stamp, 'EUR', (subtotal / 100).toFixed(2), (shipping / 100).toFixed(2), ((subtotal + shipping) / 100).toFixed(2), code, rng.pick(['web', 'pos', 'shopify_draft_order'])].join(','));
    // The shop's month is its own: the local day the file writes (inspect proposes the zone from the offsets).
    truth.add(id, email, local, subtotal + shipping);
  }
  writeFileSync(path, out.join('\n') + '\n');
  return truth.result();
}

/** Whether an instant falls in Central European Summer Time: from the last Sunday of March to the last Sunday of October, 01:00 UTC. */
function centralEuropeanSummer(at: Date): boolean {
  const lastSunday = (month: number) => {
    const last = new Date(Date.UTC(at.getUTCFullYear(), month + 1, 0, 1));
    return last.getTime() - last.getUTCDay() * 86_400_000;
  };
  return at.getTime() >= lastSunday(2) && at.getTime() < lastSunday(9);
}

function latin1(path: string, rng: Random, customers: number): ExportTruth {
  const truth = new Truth('EUR');
  const out = ['commande,client,date,montant,catégorie'];
  let order = 1;
  for (const v of visits(rng, customers)) {
    const id = `FR${pad(order++, 6)}`;
    const customer = `CL-${v.customer}`;
    const cents = 800 + rng.int(9000);
    const d = v.at;
    out.push([id, customer, `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, (cents / 100).toFixed(2), rng.pick(['pâtisserie', 'crèmerie', 'épicerie fine', 'thé & café'])].join(','));
    truth.add(id, customer, d, cents);
  }
  writeFileSync(path, Buffer.from(out.join('\n') + '\n', 'latin1'));
  return truth.result();
}

/** Writes one export of the given shape to `path`, seeded, and returns its truth. */
export function writeExport(shape: ExportShape, path: string, seed = 42, customers = 300): ExportTruth {
  const rng = new Random(seed);
  switch (shape) {
    case 'line-items':
      return lineItems(path, rng, customers);
    case 'european':
      return european(path, rng, customers);
    case 'shop':
      return shop(path, rng, customers);
    case 'latin-1':
      return latin1(path, rng, customers);
  }
}
