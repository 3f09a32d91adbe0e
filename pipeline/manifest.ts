import type { ActionRate } from './shared/actionRate.js';
/**
 * The run manifest's shape (run_manifest.json, the `runs` table): the
 * contract's record of what a run read, did and published.
 */
import type { InputKind } from './shared/inputSpecs.js';

/** What one input file contributed; rows_read = accepted + rejected + duplicate. */
export interface FileIngest {
  path: string;
  kind: InputKind;
  sha256: string;
  /** The file's data records (a CSV record may span lines inside quotes). */
  rows_read: number;
  /** CSV: the physical lines its records spanned, when some record holds line breaks inside quotes (then more than rows_read). */
  physical_lines?: number;
  rows_accepted: number;
  rows_rejected: number;
  rows_duplicate: number;
  /** Of the accepted: keys not seen before, and keys whose stored row changed. */
  rows_new: number;
  rows_updated: number;
  /** False when line numbers could not be matched exactly. */
  exact_lines: boolean;
  /** Orders: a row per order ('order') or per line item ('line'). */
  grain?: 'order' | 'line';
  /** Line items: the orders their lines made, new and changed. */
  orders_new?: number;
  orders_updated?: number;
  /** Orders whose status says they never became sales (voided, pending, cancelled: formats.orders.statuses): their lines are accepted, the orders kept apart in orders_left_out, out of every figure. */
  orders_left_out?: number;
  /**
   * Set when this run did not read the file: the same bytes were loaded
   * under the same settings by that run (its rows are in the tables, its
   * rejected lines under that run id, and carried under this one), so every
   * count above is 0.
   */
  already_loaded?: { run_id: string; path: string; rows_read: number; rows_rejected: number };
}

/** One class of rejected lines in the manifest. */
export interface RejectionClassRecord {
  kind: string;
  reason_class: string;
  lines: number;
  example_line: number | null;
  example_reason: string;
  example_raw: string | null;
}

/** The compound monthly growth rate of revenue over the last complete months. */
export interface Cmgr {
  months: number;
  from: string;
  to: string;
  value: number | null;
}

export interface StageRecord {
  name: string;
  seconds: number;
  /** The process's peak resident memory during the stage (DuckDB runs in-process). */
  peak_rss_mib?: number;
  /**
   * The process's CPU time during the stage, user and kernel, every thread's (DuckDB's and the worker threads'
   * included): more than `seconds` where threads ran at once; its quotient by `seconds` is the average number of
   * CPUs the process kept busy during the stage.
   */
  cpu_seconds?: number;
  /** Of cpu_seconds, the kernel's (system time: pages mapped, files read and written), as the kernel estimates the split. */
  cpu_system_seconds?: number;
  rows_in?: number;
  rows_out?: number;
  /** The stage's main steps, timed. */
  steps?: { name: string; seconds: number }[];
}

/** What a run did, published as run_manifest.json and kept in the database's `runs` table. */
export interface RunManifest {
  run_id: string;
  started_at: string;
  finished_at?: string;
  outcome: 'succeeded' | 'failed' | 'interrupted';
  error?: string;
  as_of?: string;
  horizon_days: number;
  model_version?: string;
  /** The budget's rate per action: the measured save rate where action_effects knows it precisely enough, else the assumed one. */
  action_rates?: ActionRate[];
  /** The model trained by this run, and whether it became the champion, and why. */
  model?: { trained: string | null; promoted: boolean; reason: string; unchanged?: boolean };
  tfjs_backend?: string;
  stages: StageRecord[];
  inputs: FileIngest[];
  demo: boolean;
  cmgr?: Cmgr;
  /** The currency of every amount the run published. */
  currency?: string;
  /** The rejected lines by input kind and reason class, with a count and the first line as an example. */
  rejected_by_class?: RejectionClassRecord[];
  /** The PostgreSQL schema the run published into (publish.postgres), named without its password. */
  postgres?: { target: string; schema: string; seconds?: number };
  /** The orders that never became sales (voided, pending, cancelled: formats.orders.statuses), by status, left out of every figure; absent when none. */
  orders_left_out?: { order_status: string; orders: number; amount: number }[];
  /** Deprecated (use rejected_by_class): the rejected lines by reason, their quoted values elided. */
  rejected_by_reason?: { kind: string; reason: string; lines: number }[];
}
