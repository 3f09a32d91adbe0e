/**
 * What each input kind looks like: its canonical columns, their types, which
 * are required, and the key that makes a row the same row on re-ingest.
 * The ingest engine is driven by these specs; nothing else knows the columns.
 */
export type ColumnType = 'text' | 'timestamp' | 'date' | 'decimal' | 'boolean';
export type InputKind = 'orders' | 'customers' | 'tickets';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required: boolean;
}

export interface InputSpec {
  kind: InputKind;
  /** The table the accepted rows are merged into. */
  table: string;
  key: string;
  columns: ColumnSpec[];
  /** The timestamp column whose calendar date is stored beside it, and checked against the run's clock. */
  timestamp?: { column: string; dateColumn: string };
}

export const specs: Record<InputKind, InputSpec> = {
  orders: {
    kind: 'orders',
    table: 'orders',
    key: 'order_id',
    columns: [
      { name: 'order_id', type: 'text', required: true },
      { name: 'customer_id', type: 'text', required: true },
      { name: 'order_ts', type: 'timestamp', required: true },
      { name: 'amount', type: 'decimal', required: true },
      { name: 'currency', type: 'text', required: false },
      { name: 'category', type: 'text', required: false },
      { name: 'channel', type: 'text', required: false },
      { name: 'discount_used', type: 'boolean', required: false },
    ],
    timestamp: { column: 'order_ts', dateColumn: 'order_date' },
  },
  customers: {
    kind: 'customers',
    table: 'customers',
    key: 'customer_id',
    columns: [
      { name: 'customer_id', type: 'text', required: true },
      { name: 'signup_date', type: 'date', required: false },
      { name: 'birth_date', type: 'date', required: false },
      { name: 'country', type: 'text', required: false },
      { name: 'acquisition_channel', type: 'text', required: false },
      { name: 'opted_out', type: 'boolean', required: false },
    ],
  },
  tickets: {
    kind: 'tickets',
    table: 'tickets',
    key: 'ticket_id',
    columns: [
      { name: 'ticket_id', type: 'text', required: true },
      { name: 'customer_id', type: 'text', required: true },
      { name: 'opened_ts', type: 'timestamp', required: true },
      { name: 'kind', type: 'text', required: false },
      { name: 'resolved', type: 'boolean', required: false },
    ],
    timestamp: { column: 'opened_ts', dateColumn: 'opened_date' },
  },
};
