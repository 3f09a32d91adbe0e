import { InvalidArgumentError, type Command } from 'commander';
import type { ConfigInput } from '../config.js';

/** Collects a repeatable option's values. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Parses an integer option, naming it in the error. */
export const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
  return n;
};

/** The options shared by the commands that read inputs. */
export interface CommonOptions {
  orders?: string[];
  customers?: string[];
  tickets?: string[];
  referrals?: string[];
  asOf?: string;
  horizonDays?: number;
  db?: string;
  out?: string;
  models?: string;
  config?: string;
  currency?: string;
}

/** Maps the common flags onto the configuration's keys (flags override the file). */
export function overrides(o: CommonOptions): ConfigInput {
  return {
    orders: o.orders?.length ? o.orders : undefined,
    customers: o.customers?.length ? o.customers : undefined,
    tickets: o.tickets?.length ? o.tickets : undefined,
    referrals: o.referrals?.length ? o.referrals : undefined,
    asOf: o.asOf,
    horizonDays: o.horizonDays,
    db: o.db,
    out: o.out,
    models: o.models,
    currency: o.currency?.toUpperCase(),
    // The shop database's URL from the environment, so that its password is on no command line and in no file.
    ...(process.env.FIDELIO_SOURCE_POSTGRES_URL ? { ingest: { postgres: { url: process.env.FIDELIO_SOURCE_POSTGRES_URL } } } : {}),
  } as ConfigInput;
}

/** Adds the input, database and configuration options. */
export function inputOptions(cmd: Command): Command {
  return cmd
    .option('--orders <path>', 'orders file or glob (CSV, Parquet, JSON lines); repeatable', collect)
    .option('--customers <path>', 'customers file or glob; repeatable', collect)
    .option('--tickets <path>', 'support tickets file or glob; repeatable', collect)
    .option('--referrals <path>', 'referrals file or glob (referrer_id, referred_id, referral_date); repeatable', collect)
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .option('--currency <code>', 'the currency of the amounts, an ISO 4217 code such as EUR (default USD)')
    .option('--config <file>', 'configuration file (JSON or YAML); flags override it');
}

/** Adds --db and --config, for the commands that read what runs left in a database. */
export function databaseOptions(cmd: Command): Command {
  return cmd.option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)').option('--config <file>', 'configuration file');
}

/** Where a command prints its data. */
export type Stdout = (text: string) => void;
