import type { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import type { FeatureSources } from './customerFeatures.js';

export interface TrainingSample {
  /** Customers known at as-of. */
  customers: number;
  /** Customers in `training_sample`; equal to `customers` when the base is small enough to learn from whole. */
  sampled: number;
  /** True when the models learn from a sample (sampled < customers). */
  partial: boolean;
  /** Of the sample, the customers the BTYD models are fitted on (training_sample.fits_btyd). */
  btydFit: number;
}

/**
 * Whose history a computation reads: every customer's, the training
 * sample's (table training_sample), or its customers marked fits_btyd.
 */
export type Customers = 'all' | 'sample' | 'fit';

/** Whose histories the training snapshots hold and the BTYD models are fitted on. */
export function sampleUse(sample: TrainingSample): { sampled: 'all' | 'sample'; fitOn: 'all' | 'fit' } {
  return { sampled: sample.partial ? 'sample' : 'all', fitOn: sample.btydFit < sample.customers ? 'fit' : 'all' };
}

/**
 * Chooses the customers the models learn from: table `training_sample`
 * (training_sample.sql). A base of at most `size` customers is taken
 * whole; a larger one is sampled in proportion within strata of purchase
 * count and recency. The BTYD models are fitted on at most `btydFitSize`
 * of the sample's customers, plenty for their three or four parameters;
 * they then score everyone.
 */
export async function buildTrainingSample(db: Database, size: number, seed: number, btydFitSize = size): Promise<TrainingSample> {
  const customers = await db.value<number>('SELECT count(*) FROM customer_features');
  const share = Math.min(1, size / Math.max(1, customers));
  await db.run(`CREATE OR REPLACE TABLE training_sample AS ${readSql('features/training_sample.sql')}`, { seed: String(seed), share, fit: btydFitSize });
  const counts = await db.one<{ sampled: number; fit: number }>('SELECT count(*) AS sampled, count(*) FILTER (WHERE fits_btyd) AS fit FROM training_sample');
  return { customers, sampled: counts!.sampled, partial: counts!.sampled < customers, btydFit: counts!.fit };
}

/**
 * The orders and tickets of some customers, copied once into temp tables
 * for computations that read them many times (a snapshot per cutoff, a
 * BTYD fit per cutoff): 'all' reads the tables themselves.
 */
export class SampleTables {
  private readonly made = new Set<string>();

  constructor(private readonly db: Database) {}

  /** The table holding the orders of `who`. */
  orders(who: Customers): Promise<string> {
    return this.copy('orders', who);
  }

  /**
   * The table holding the orders of `who` with only the columns the BTYD
   * queries read (customer_id, order_date, amount): a narrow copy, for a
   * computation that needs no more ('all' reads `orders` itself).
   */
  async purchases(who: Customers): Promise<string> {
    if (who === 'all') return 'orders';
    const name = `${who}_purchases`;
    if (!this.made.has(name)) {
      await this.db.run(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT customer_id, order_date, amount FROM orders
        WHERE customer_id IN (SELECT customer_id FROM training_sample${who === 'fit' ? ' WHERE fits_btyd' : ''})`);
      this.made.add(name);
    }
    return name;
  }

  /** The tables holding the orders, order lines and tickets of `who`. */
  async sources(who: Customers): Promise<FeatureSources> {
    return { orders: await this.copy('orders', who), lines: await this.copy('order_lines', who), tickets: await this.copy('tickets', who) };
  }

  private async copy(table: 'orders' | 'order_lines' | 'tickets', who: Customers): Promise<string> {
    if (who === 'all') return table;
    const name = `${who}_${table}`;
    if (!this.made.has(name)) {
      await this.db.run(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT * FROM ${table}
        WHERE customer_id IN (SELECT customer_id FROM training_sample${who === 'fit' ? ' WHERE fits_btyd' : ''})`);
      this.made.add(name);
    }
    return name;
  }

  async drop(): Promise<void> {
    for (const name of this.made) await this.db.run(`DROP TABLE IF EXISTS ${name}`);
    this.made.clear();
  }
}
