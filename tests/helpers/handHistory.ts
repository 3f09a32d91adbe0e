import type { Database } from '../../pipeline/db/Database.js';
import { buildFeatures } from '../../pipeline/features/customerFeatures.js';
import { ingestInputs, plainIngestOptions, type IngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { writeFile } from './withDb.js';

/**
 * A hand-made history of four customers whose every feature is worked out
 * by hand in tests/features/customerFeatures.test.ts: A (several orders, a
 * refund, tickets), B (one order on the as-of day), D (a refund only), and
 * C and later rows after the as-of date.
 */
export const AS_OF = '2025-06-30';

export const ORDERS = [
  'order_id,customer_id,order_ts,amount,currency,category,channel,discount_used',
  'O1,A,2025-01-10T09:00:00Z,100.00,USD,books,web,true',
  'O2,A,2025-03-01T10:00:00Z,50.00,USD,music,web,false',
  'O3,A,2025-03-01T18:00:00Z,30.00,USD,books,app,false',
  'R1,A,2025-03-05T12:00:00Z,-20.00,USD,books,web,',
  'O4,A,2025-06-10T08:00:00Z,70.00,USD,toys,app,true',
  'B1,B,2025-06-30T23:00:00Z,10.00,USD,,,',
  'D1,D,2025-05-01T00:00:00Z,-5.00,USD,,,',
];
export const LATER_ORDERS = [
  'O5,A,2025-07-15T09:00:00Z,999.00,USD,garden,store,true',
  'C1,C,2025-07-01T09:00:00Z,20.00,USD,books,web,false',
  'D2,D,2025-08-01T00:00:00Z,50.00,USD,books,web,false',
];
export const TICKETS = [
  'ticket_id,customer_id,opened_ts,kind,resolved',
  'T1,A,2025-05-01T10:00:00Z,complaint,false',
  'T2,A,2025-06-20T10:00:00Z,question,true',
  'T3,A,2024-12-01T10:00:00Z,complaint,true',
];
export const LATER_TICKETS = ['T4,A,2025-07-01T10:00:00Z,complaint,false'];
export const CUSTOMERS = ['customer_id,signup_date,birth_date,country,acquisition_channel', 'A,2024-12-31,1990-07-01,ES,organic'];

/** Ingest options for tests: the default columns, a run time after every row. */
export const TEST_INGEST: IngestOptions = plainIngestOptions('r', new Date('2026-01-01T00:00:00Z'));

/** Loads the given lines of the hand-made history into `db`. */
export async function loadHistory(db: Database, dir: string, orders: string[], tickets: string[]): Promise<void> {
  await ingestInputs(db, {
    orders: [writeFile(dir, 'orders.csv', orders.join('\n') + '\n')],
    tickets: [writeFile(dir, 'tickets.csv', tickets.join('\n') + '\n')],
    customers: [writeFile(dir, 'customers.csv', CUSTOMERS.join('\n') + '\n')],
  }, TEST_INGEST, silentLogger);
}

/** Loads the history and builds customer_features as of AS_OF; returns its rows with dates as text. */
export async function featuresOf(db: Database, dir: string, orders: string[], tickets: string[]) {
  await loadHistory(db, dir, orders, tickets);
  await buildFeatures(db, AS_OF);
  return db.all('SELECT * EXCLUDE (as_of, first_order_date, last_order_date), CAST(first_order_date AS VARCHAR) AS first_order_date, CAST(last_order_date AS VARCHAR) AS last_order_date FROM customer_features ORDER BY customer_id');
}
