import { Random } from '../../pipeline/shared/random.js';

/**
 * A hosted shop's "Export orders" CSV, seeded, in the shape the platforms
 * write it: a row per line item, the order's own fields (email, status,
 * times with their UTC offset, subtotal, shipping, taxes, total, discount,
 * refunded amount, billing name and country, accepts marketing, notes and
 * street with line breaks inside quotes) on its first row only; later rows
 * carry the order name and the item. Guests have no email; some orders use
 * a discount code; some are refunded in part or whole, voided or pending.
 * Returns the CSV and the orders it wrote, for a test to compute what a
 * run must publish without fidelio.
 */
export interface HostedOrder {
  name: string;
  email: string;
  status: 'paid' | 'partially_refunded' | 'refunded' | 'voided' | 'pending';
  /** The order's instant, in ms since the epoch (UTC). */
  at: number;
  /** What the file says: local time with its offset. */
  createdAt: string;
  acceptsMarketing: boolean;
  subtotalCents: number;
  shippingCents: number;
  taxesCents: number;
  totalCents: number;
  discountCode: string;
  discountCents: number;
  refundedCents: number;
  country: string;
  billingName: string;
  items: { name: string; sku: string; quantity: number; priceCents: number }[];
}

export const HOSTED_HEADER = ['Name', 'Email', 'Financial Status', 'Paid at', 'Fulfillment Status', 'Accepts Marketing', 'Currency', 'Subtotal', 'Shipping',
  'Taxes', 'Total', 'Discount Code', 'Discount Amount', 'Created at', 'Lineitem quantity', 'Lineitem name', 'Lineitem price', 'Lineitem sku',
  'Billing Name', 'Billing Street', 'Billing Country', 'Notes', 'Refunded Amount', 'Vendor', 'Id'];

const pad = (n: number) => String(n).padStart(2, '0');
const money = (cents: number) => (cents / 100).toFixed(2);
const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** An instant written as the platform does: local time at `offsetMinutes`, then the offset as +HHMM. */
export function withOffset(at: number, offsetMinutes: number): string {
  const d = new Date(at + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`;
}

export function hostedExport(seed: number, customers = 60, ordersWanted = 260): { csv: string; orders: HostedOrder[] } {
  const rng = new Random(seed);
  const countries = ['US', 'CA', 'GB', 'DE', 'FR'];
  const offsets = [-300, -240, 0, 60, 120, 330];
  const products = Array.from({ length: 40 }, (_, i) => ({ name: `${['Mug', 'Candle', 'Card', 'Scarf', 'Tea'][i % 5]} no. ${i}`, sku: `SKU-${100 + i}`, cents: 300 + rng.int(4500) }));
  const people = Array.from({ length: customers }, (_, c) => ({
    email: `buyer${c}@example.com`, name: c % 7 === 0 ? `Smith, Pat ${c}` : `Pat ${c}`, country: countries[c % countries.length]!,
    // A third never accept marketing; some change their mind on a later order.
    accepts: c % 3 !== 0, changes: c % 11 === 5,
  }));
  const start = Date.UTC(2023, 0, 1);
  const span = 365 * 86_400_000;
  const orders: HostedOrder[] = [];
  const times = Array.from({ length: ordersWanted }, () => start + Math.floor(rng.uniform() * span / 60_000) * 60_000).sort((a, b) => a - b);
  // Near the turn of a month: the offset decides the month (2023-03-31 23:30 at -05:00 is April in UTC; 2023-05-01 01:00 at +02:00 is April).
  times.push(Date.UTC(2023, 3, 1, 4, 30), Date.UTC(2023, 3, 30, 23, 0));
  const boundaryOffsets = new Map([[Date.UTC(2023, 3, 1, 4, 30), -300], [Date.UTC(2023, 3, 30, 23, 0), 120]]);
  times.sort((a, b) => a - b);
  const seen = new Map<string, number>();
  for (const [i, at] of times.entries()) {
    const guest = rng.bernoulli(0.1);
    const who = people[rng.int(customers)]!;
    const nth = (seen.get(who.email) ?? 0) + 1;
    if (!guest) seen.set(who.email, nth);
    const basket = new Map<string, HostedOrder['items'][number]>();
    for (let k = 1 + rng.int(4); k > 0; k--) {
      const p = products[rng.int(products.length)]!;
      basket.set(p.sku, { name: p.name, sku: p.sku, quantity: 1 + rng.int(3), priceCents: p.cents });
    }
    const items = [...basket.values()];
    const itemsCents = items.reduce((s, it) => s + it.quantity * it.priceCents, 0);
    const discountCode = rng.bernoulli(0.2) ? 'WELCOME10' : '';
    const discountCents = discountCode ? Math.round(itemsCents / 10) : 0;
    const subtotalCents = itemsCents - discountCents;
    const shippingCents = subtotalCents >= 5000 ? 0 : 495;
    const taxesCents = Math.round(subtotalCents * 0.08);
    const totalCents = subtotalCents + shippingCents + taxesCents;
    // The first orders of the year hold one of each status, then they come at their usual rates.
    const forced = (['voided', 'pending', 'refunded', 'partially_refunded'] as const)[i];
    const u = rng.uniform();
    const status: HostedOrder['status'] = forced ?? (u < 0.04 ? 'voided' : u < 0.08 ? 'pending' : u < 0.12 ? 'refunded' : u < 0.22 ? 'partially_refunded' : 'paid');
    const refundedCents = status === 'refunded' ? totalCents : status === 'partially_refunded' ? items[0]!.priceCents : 0;
    const offset = boundaryOffsets.get(at) ?? offsets[rng.int(offsets.length)]!;
    orders.push({
      name: `#${1001 + i}`, email: guest ? '' : who.email, status, at, createdAt: withOffset(at, offset),
      acceptsMarketing: guest ? rng.bernoulli(0.5) : who.changes && nth > 1 ? !who.accepts : who.accepts,
      subtotalCents, shippingCents, taxesCents, totalCents, discountCode, discountCents, refundedCents,
      country: guest ? countries[rng.int(countries.length)]! : who.country, billingName: guest ? 'Guest Buyer' : who.name, items,
    });
  }
  const lines = [HOSTED_HEADER.join(',')];
  for (const o of orders) {
    const paidAt = o.status === 'pending' || o.status === 'voided' ? '' : o.createdAt;
    const notes = rng.bernoulli(0.15) ? 'Gift wrap, please.\nLeave at the "back" door.' : '';
    const street = rng.bernoulli(0.1) ? '12 Main Street\nFlat 4' : '12 Main Street';
    for (const [k, it] of o.items.entries()) {
      const item = [String(it.quantity), it.name, money(it.priceCents), it.sku];
      const row = k === 0
        ? [o.name, o.email, o.status, paidAt, 'fulfilled', o.acceptsMarketing ? 'yes' : 'no', 'USD', money(o.subtotalCents), money(o.shippingCents),
          money(o.taxesCents), money(o.totalCents), o.discountCode, money(o.discountCents), o.createdAt, ...item,
          o.billingName, street, o.country, notes, money(o.refundedCents), 'Acme', String(5_000_000 + orders.indexOf(o))]
        : [o.name, '', '', '', '', '', '', '', '', '', '', '', '', '', ...item, '', '', '', '', '', 'Acme', ''];
      lines.push(row.map(quote).join(','));
    }
  }
  return { csv: lines.join('\n') + '\n', orders };
}
