import { ident, type Database } from '../db/Database.js';
import { DEFAULT_ORDER_STATUSES, normalStatus, type StatusMeaning } from '../ingest/orderStatus.js';
import { specs } from '../shared/inputSpecs.js';
import { normalizedName } from './columnNames.js';

/** A setting inspect decided, with the evidence said beside it (inspectFile's Finding). */
interface Finding<T> {
  value: T;
  evidence: string;
}

const count = (n: number) => n.toLocaleString('en-US');
const listed = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/**
 * Whether a line-items file writes each order's own fields on its first line
 * only (a hosted shop's "Export orders"): of the orders with several lines,
 * those whose later lines leave the order's time empty. Said with the
 * order-level columns the later lines leave empty.
 */
export async function detectOrderFields(db: Database, columns: Record<string, Finding<string>>): Promise<Finding<'first_row'> | undefined> {
  const id = columns.order_id?.value;
  const ts = columns.order_ts?.value;
  if (!id || !ts) return undefined;
  const orderLevel = specs.orders.columns.filter((c) => c.orderLevel && columns[c.name]).map((c) => columns[c.name]!.value);
  const blank = (c: string) => `NULLIF(trim(${ident(c)}), '') IS NULL`;
  const r = (await db.one<Record<string, number>>(`WITH numbered AS (
      SELECT *, row_number() OVER (PARTITION BY trim(${ident(id)}) ORDER BY seq) AS k
      FROM (SELECT rowid AS seq, * FROM inspect_rows WHERE NULLIF(trim(${ident(id)}), '') IS NOT NULL))
    SELECT count(DISTINCT trim(${ident(id)})) FILTER (WHERE k > 1) AS several,
      ${orderLevel.map((c, i) => `count(DISTINCT trim(${ident(id)})) FILTER (WHERE k > 1 AND NOT ${blank(c)}) AS filled_${i}`).join(',\n      ')}
    FROM numbered`))!;
  const several = Number(r.several);
  const tsIndex = orderLevel.indexOf(ts);
  const filled = (i: number) => Number(r[`filled_${i}`]);
  // Nearly every order of several lines leaves its time empty after its first line: the export's shape, not a gap.
  if (several === 0 || filled(tsIndex) > 0.05 * several) return undefined;
  const empty = orderLevel.filter((_, i) => filled(i) <= 0.05 * several);
  return {
    value: 'first_row',
    evidence: `${count(several - filled(tsIndex))} of the ${count(several)} orders with several lines leave ${listed(empty)} empty after their first line: each order's own fields are on its first line, its later lines give its items`,
  };
}

/** The names an export gives the order's own amount: its subtotal (items after discounts) first, then its total. */
const SUBTOTALS = ['subtotal', 'subtotalprice', 'ordersubtotal', 'netsales', 'zwischensumme', 'soustotal'];
const TOTALS = ['total', 'ordertotal', 'totalprice', 'grandtotal', 'gesamtbetrag'];
const SHIPPING = ['shipping', 'shippingprice', 'shippingamount', 'versand', 'livraison'];

/**
 * What revenue means for an export that carries its orders' own amounts:
 * the subtotal (items after discounts, before shipping and taxes) when
 * there is one, else the total; the other named as the alternative.
 */
export function proposeOrderTotal(header: string[], refunds: string | undefined): Finding<string> | undefined {
  const find = (names: string[]) => header.find((h) => names.includes(normalizedName(h)));
  const subtotal = find(SUBTOTALS);
  const total = find(TOTALS);
  const shipping = find(SHIPPING);
  const chosen = subtotal ?? total;
  if (!chosen) return undefined;
  const less = refunds ? `, less "${refunds}" (see refunded_amount)` : '';
  const evidence = subtotal
    ? `revenue is each order's "${subtotal}": its items after discounts, before${shipping ? ` "${shipping}"` : ' shipping'} and taxes${less}, whatever its lines sum to${total ? `; map "${total}" instead to count shipping and taxes` : ''}`
    : `revenue is each order's "${total}", shipping and taxes included${less}, whatever its lines sum to`;
  return { value: chosen, evidence };
}

/** The refunded-amount column's reading, said. */
export const REFUND_EVIDENCE = (column: string) =>
  `"${column}" is read as a refund of that order and taken off its amount (not below 0); the export gives no refund date, so the refund is dated with the order`;

/** One status value found, what it is taken to mean and on how many orders. */
export interface StatusFinding {
  value: string;
  meaning: StatusMeaning;
  orders: number;
  /** False when inspect does not know the word (taken as a sale; said). */
  known: boolean;
}

/** The status values of a file, each with its meaning (DEFAULT_ORDER_STATUSES; a word it does not know is taken as a sale and said). */
export async function inspectStatuses(db: Database, column: string, orderId: string): Promise<StatusFinding[]> {
  const found = await db.all<{ v: string; orders: number }>(`SELECT trim(${ident(column)}) AS v, count(DISTINCT trim(${ident(orderId)})) AS orders
    FROM inspect_rows WHERE NULLIF(trim(${ident(column)}), '') IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50`);
  const byKey = new Map<string, StatusFinding>();
  for (const f of found) {
    const key = normalStatus(f.v);
    const known = DEFAULT_ORDER_STATUSES[key];
    const had = byKey.get(key);
    if (had) had.orders += Number(f.orders);
    else byKey.set(key, { value: key, meaning: known ?? 'sale', orders: Number(f.orders), known: known !== undefined });
  }
  return [...byKey.values()];
}
