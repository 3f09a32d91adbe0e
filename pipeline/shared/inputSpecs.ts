/**
 * What each input kind looks like: its canonical columns, their types, which
 * are required, and the key that makes a row the same row on re-ingest.
 * The ingest engine is driven by these specs; nothing else knows the columns.
 */
export type ColumnType = 'text' | 'timestamp' | 'date' | 'decimal' | 'boolean';
export type InputKind = 'orders' | 'customers' | 'tickets' | 'referrals';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required: boolean;
  /** Decimal places kept (decimal columns; 2 unless given). */
  scale?: number;
  /** An identifier: control characters in it reject the row (they would reach spreadsheets and BI tools). */
  id?: boolean;
  /** Header names read as this column when the file has no column of the canonical name (and the config maps none). */
  aliases?: string[];
  /**
   * Orders: a field of the order, not of one of its lines (in a hosted
   * shop's export, on the order's first row only: formats.orders.orderFields).
   */
  orderLevel?: boolean;
}

export interface InputSpec {
  /** An input kind of the run, or the contacts that `fidelio contacts --file` records (contactSpec). */
  kind: InputKind | 'contacts';
  /** The table the accepted rows are merged into. */
  table: string;
  key: string;
  columns: ColumnSpec[];
  /** The timestamp column whose calendar date is stored beside it, and checked against the run's clock. */
  timestamp?: { column: string; dateColumn: string };
  /** A column a later file may not change for a stored key: such a row is rejected, not taken as an update. */
  fixed?: string;
}

export const specs: Record<InputKind, InputSpec> = {
  orders: {
    kind: 'orders',
    table: 'orders',
    key: 'order_id',
    columns: [
      { name: 'order_id', type: 'text', required: true, id: true },
      // Empty: a guest order, counted in the revenue KPIs and not scored.
      { name: 'customer_id', type: 'text', required: false, id: true, orderLevel: true },
      { name: 'order_ts', type: 'timestamp', required: true, orderLevel: true },
      // Required unless the file is line items with quantity and unit_price (lineItemColumns).
      { name: 'amount', type: 'decimal', required: true },
      { name: 'currency', type: 'text', required: false, orderLevel: true },
      { name: 'category', type: 'text', required: false },
      { name: 'channel', type: 'text', required: false, orderLevel: true },
      { name: 'discount_used', type: 'boolean', required: false, orderLevel: true },
      // Line items: one row per item of an order.
      { name: 'quantity', type: 'decimal', required: false, scale: 3 },
      { name: 'unit_price', type: 'decimal', required: false, scale: 4 },
      { name: 'product_id', type: 'text', required: false },
      { name: 'product_name', type: 'text', required: false },
      // A hosted shop's export (line items with the order's own fields): the order's amount as the export states it
      // (its subtotal after discounts, or its total), which is then the order's revenue in place of its lines' sum,
      // less refunded_amount (refunds of that order); order_status says whether it became a sale (formats.orders.statuses).
      { name: 'order_total', type: 'decimal', required: false, orderLevel: true },
      { name: 'refunded_amount', type: 'decimal', required: false, orderLevel: true },
      { name: 'order_status', type: 'text', required: false, orderLevel: true },
      // A discount code on the order: discount_used when no column gives it.
      { name: 'discount_code', type: 'text', required: false, orderLevel: true },
      // The customer as the order gives them: their profile when no customers file gives it (customerProfiles.ts).
      { name: 'customer_name', type: 'text', required: false, orderLevel: true },
      { name: 'customer_country', type: 'text', required: false, orderLevel: true },
      { name: 'accepts_marketing', type: 'boolean', required: false, orderLevel: true },
    ],
    timestamp: { column: 'order_ts', dateColumn: 'order_date' },
  },
  customers: {
    kind: 'customers',
    table: 'customers',
    key: 'customer_id',
    columns: [
      { name: 'customer_id', type: 'text', required: true, id: true },
      { name: 'signup_date', type: 'date', required: false },
      { name: 'birth_date', type: 'date', required: false },
      { name: 'country', type: 'text', required: false },
      { name: 'acquisition_channel', type: 'text', required: false },
      { name: 'opted_out', type: 'boolean', required: false },
      // To contact: shown in fidelio list, never used to score.
      { name: 'name', type: 'text', required: false },
      { name: 'email', type: 'text', required: false },
    ],
  },
  tickets: {
    kind: 'tickets',
    table: 'tickets',
    key: 'ticket_id',
    columns: [
      { name: 'ticket_id', type: 'text', required: true, id: true },
      { name: 'customer_id', type: 'text', required: true, id: true },
      { name: 'opened_ts', type: 'timestamp', required: true },
      { name: 'kind', type: 'text', required: false },
      { name: 'resolved', type: 'boolean', required: false },
    ],
    timestamp: { column: 'opened_ts', dateColumn: 'opened_date' },
  },
  // Who brought whom: a referred customer has one referrer (a second line for them with another is rejected).
  referrals: {
    kind: 'referrals',
    table: 'referrals',
    key: 'referred_id',
    fixed: 'referrer_id',
    columns: [
      { name: 'referrer_id', type: 'text', required: true, id: true },
      { name: 'referred_id', type: 'text', required: true, id: true },
      { name: 'referral_date', type: 'date', required: true, aliases: ['date', 'referred_at', 'referred_on'] },
    ],
  },
};

/** The header column read as canonical column `name`: the config's mapping, else the name itself, else the first alias the header has. */
export function headerColumn(spec: InputSpec, name: string, header: readonly string[], mapping: Record<string, string>): string {
  // The config's mapping defaults to the canonical name itself: only another name is a choice of the operator's.
  const mapped = mapping[name];
  if (mapped && mapped !== name) return mapped;
  if (header.includes(name)) return name;
  return spec.columns.find((c) => c.name === name)?.aliases?.find((a) => header.includes(a)) ?? name;
}

/** The input kinds, in the order they are read. */
export const INPUT_KINDS = ['orders', 'customers', 'tickets', 'referrals'] as const;

/** The columns stored in the kind's table: the order-level ones for orders (the item columns live in order_lines). */
export const ORDER_LEVEL_COLUMNS = ['order_id', 'customer_id', 'order_ts', 'amount', 'currency', 'category', 'channel', 'discount_used'];

/** The item columns of a line-items file: with quantity and unit_price, a line's amount is their product. */
export const LINE_ITEM_COLUMNS = ['quantity', 'unit_price', 'product_id', 'product_name'];

/**
 * What marketing actually sent, one line per customer contacted (`fidelio
 * contacts --file`): read and checked like every input, recorded in
 * recorded_contacts beside the campaigns the page records. A customer may be
 * contacted many times: no key repeats a line's customer as a conflict (an
 * exact repeat of customer, action, day and channel is a duplicate).
 */
export const contactSpec: InputSpec = {
  kind: 'contacts',
  table: 'recorded_contacts',
  key: 'customer_id',
  columns: [
    { name: 'customer_id', type: 'text', required: true, id: true },
    { name: 'action', type: 'text', required: true },
    { name: 'contacted_at', type: 'timestamp', required: true, aliases: ['contacted_on', 'contact_date', 'sent_at'] },
    { name: 'channel', type: 'text', required: true },
    { name: 'cost', type: 'decimal', required: false, scale: 4, aliases: ['cost_per_contact'] },
  ],
  timestamp: { column: 'contacted_at', dateColumn: 'contacted_on' },
};
