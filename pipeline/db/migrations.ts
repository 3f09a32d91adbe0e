import type { Database } from './Database.js';

/*
 * Versioned schema migrations. A database file records the versions it has
 * applied; opening an older file applies the missing ones in order, each in
 * its own transaction. Never edit a released migration: add the next one.
 *
 * Only the stores that outlive a run live here (inputs, rejects, runs,
 * history). Derived tables (features, scores, KPIs) are rebuilt by their
 * stage with CREATE OR REPLACE.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'inputs, rejected rows and runs',
    sql: `
      CREATE TABLE orders (
        order_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        order_ts TIMESTAMPTZ NOT NULL,
        order_date DATE NOT NULL,
        amount DECIMAL(18, 2) NOT NULL,
        amount_original DECIMAL(18, 2),
        currency VARCHAR,
        category VARCHAR,
        channel VARCHAR,
        discount_used BOOLEAN,
        source_file VARCHAR,
        source_line BIGINT,
        loaded_run VARCHAR
      );
      CREATE TABLE customers (
        customer_id VARCHAR NOT NULL,
        signup_date DATE,
        birth_date DATE,
        country VARCHAR,
        acquisition_channel VARCHAR,
        source_file VARCHAR,
        source_line BIGINT,
        loaded_run VARCHAR
      );
      CREATE TABLE tickets (
        ticket_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        opened_ts TIMESTAMPTZ NOT NULL,
        opened_date DATE NOT NULL,
        kind VARCHAR,
        resolved BOOLEAN,
        source_file VARCHAR,
        source_line BIGINT,
        loaded_run VARCHAR
      );
      CREATE TABLE rejected_rows (
        run_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        raw VARCHAR,
        reason VARCHAR NOT NULL
      );
      CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        as_of DATE,
        outcome VARCHAR NOT NULL,
        error VARCHAR,
        manifest JSON
      );
    `,
  },
  {
    version: 2,
    name: 'model registry and backtest history',
    sql: `
      CREATE TABLE model_registry (
        model_version VARCHAR PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL,
        run_id VARCHAR,
        path VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        holdout_cutoff DATE NOT NULL,
        churn_model VARCHAR NOT NULL,
        value_model VARCHAR NOT NULL,
        churn_log_loss DOUBLE,
        churn_auc DOUBLE,
        recency_auc DOUBLE,
        value_gini DOUBLE,
        data_fingerprint VARCHAR,
        package_version VARCHAR,
        status VARCHAR NOT NULL,
        promoted_at TIMESTAMPTZ
      );
      CREATE TABLE backtests (
        run_id VARCHAR NOT NULL,
        model_version VARCHAR NOT NULL,
        holdout_cutoff DATE NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL,
        metrics JSON NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'score history, contact opt-out',
    sql: `
      ALTER TABLE customers ADD COLUMN opted_out BOOLEAN;
      CREATE TABLE customer_scores_history (
        run_id VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        customer_id VARCHAR NOT NULL,
        model_version VARCHAR,
        churn_probability DOUBLE,
        churn_risk VARCHAR,
        predicted_clv_12m DOUBLE,
        value_tier INTEGER,
        is_vip BOOLEAN,
        segment VARCHAR,
        action VARCHAR,
        contact BOOLEAN,
        is_control BOOLEAN
      );
    `,
  },
  {
    version: 4,
    name: 'line items, guest orders, reason classes',
    sql: `
      ALTER TABLE orders ALTER customer_id DROP NOT NULL;
      ALTER TABLE orders ADD COLUMN line_count INTEGER;
      ALTER TABLE orders ADD COLUMN lines_hash UBIGINT;
      CREATE TABLE order_lines (
        order_id VARCHAR NOT NULL,
        customer_id VARCHAR,
        order_ts TIMESTAMPTZ NOT NULL,
        order_date DATE NOT NULL,
        product_id VARCHAR,
        product_name VARCHAR,
        category VARCHAR,
        quantity DECIMAL(18, 3),
        unit_price DECIMAL(18, 4),
        amount DECIMAL(18, 2) NOT NULL,
        amount_original DECIMAL(18, 2),
        currency VARCHAR,
        channel VARCHAR,
        discount_used BOOLEAN,
        source_file VARCHAR,
        source_line BIGINT,
        loaded_run VARCHAR
      );
      ALTER TABLE rejected_rows ADD COLUMN reason_class VARCHAR;
    `,
  },
  {
    version: 5,
    name: 'the horizon of each contact, for action effects',
    sql: `
      ALTER TABLE customer_scores_history ADD COLUMN horizon_days INTEGER;
    `,
  },
  {
    version: 6,
    name: 'referrals',
    sql: `
      CREATE TABLE referrals (
        referrer_id VARCHAR NOT NULL,
        referred_id VARCHAR NOT NULL,
        referral_date DATE NOT NULL,
        source_file VARCHAR,
        source_line BIGINT,
        loaded_run VARCHAR
      );
    `,
  },
  {
    version: 7,
    name: 'loaded files',
    sql: `
      CREATE TABLE loaded_files (
        sha256 VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        settings VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_accepted BIGINT NOT NULL,
        rows_rejected BIGINT NOT NULL,
        rows_duplicate BIGINT NOT NULL,
        after_run_time BOOLEAN NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'recorded contacts',
    // What marketing actually sent (fidelio serve's campaigns), one row per customer contacted: the
    // measurement of effects on the contacted (as against those the scores proposed) reads it.
    sql: `
      CREATE TABLE recorded_contacts (
        campaign_id VARCHAR NOT NULL,
        campaign VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL,
        list_name VARCHAR NOT NULL,
        action VARCHAR,
        channel VARCHAR NOT NULL,
        contacted_on DATE NOT NULL,
        cost_per_contact DOUBLE NOT NULL,
        currency VARCHAR,
        run_id VARCHAR NOT NULL,
        as_of DATE NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: 'orders that were not sales, and the customer as an order gives them',
    sql: `
      CREATE TABLE orders_left_out (
        order_id VARCHAR NOT NULL,
        customer_id VARCHAR,
        order_ts TIMESTAMPTZ NOT NULL,
        order_date DATE NOT NULL,
        amount DECIMAL(18, 2),
        currency VARCHAR,
        order_status VARCHAR NOT NULL,
        source_file VARCHAR,
        source_line BIGINT,
        loaded_run VARCHAR
      );
      ALTER TABLE orders ADD COLUMN customer_name VARCHAR;
      ALTER TABLE orders ADD COLUMN customer_country VARCHAR;
      ALTER TABLE orders ADD COLUMN accepts_marketing BOOLEAN;
      ALTER TABLE customers ADD COLUMN name VARCHAR;
      ALTER TABLE customers ADD COLUMN from_orders BOOLEAN;
    `,
  },
  {
    version: 10,
    name: "customers' emails, for the lists (their names came with version 9)",
    sql: `
      ALTER TABLE customers ADD COLUMN email VARCHAR;
    `,
  },
  {
    version: 11,
    name: 'persona in the contact history; contacts read from files',
    // The effects by persona read each contact's persona as it was published. Contacts read by `fidelio
    // contacts --file` land in recorded_contacts beside the page's: their line in the file, and a cost
    // only where the file gives one.
    sql: `
      ALTER TABLE customer_scores_history ADD COLUMN persona VARCHAR;
      ALTER TABLE recorded_contacts ALTER cost_per_contact DROP NOT NULL;
      ALTER TABLE recorded_contacts ADD COLUMN source_file VARCHAR;
      ALTER TABLE recorded_contacts ADD COLUMN source_line BIGINT;
    `,
  },
  {
    version: 12,
    name: "the part of an order's stated amount its refunds took off",
    // A hosted shop's export gives an order's total and what was refunded of it: the order's amount is the net, this the
    // refund, so that kpis_monthly tells gross revenue and refunds apart (NULL where the file states no total or refund).
    sql: `
      ALTER TABLE orders ADD COLUMN amount_refunded DECIMAL(18, 2);
    `,
  },
  {
    version: 13,
    name: "input files' digests, so that an untouched file is not read again to be recognised",
    // ingest/fileDigests.ts: a file's resolved path, what identifies it as untouched (device, inode, size, modification
    // and status-change times) and its sha256 when last read; one row per path.
    sql: `
      CREATE TABLE file_digests (
        path VARCHAR NOT NULL,
        identity VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
];

export async function migrate(db: Database): Promise<{ from: number; to: number }> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const from = (await db.value<number | null>('SELECT max(version) FROM schema_migrations')) ?? 0;
  let to = from;
  for (const m of migrations) {
    if (m.version <= from) continue;
    await db.transaction(async () => {
      await db.run(m.sql);
      await db.run('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    });
    to = m.version;
  }
  return { from, to };
}
