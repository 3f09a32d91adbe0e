import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { generateDemoData, type DemoOptions } from '../demo/generateDemoData.js';
import { DataError } from '../errors.js';
import type { FileIngest } from '../manifest.js';
import type { InputKind } from '../shared/inputSpecs.js';
import type { Stage } from '../stage.js';
import { ingestInputs, type IngestInputs, type IngestOptions, type KindFormat } from './ingestInputs.js';
import { describeClasses, rejectionClasses, type RejectionClass } from './rejectionClasses.js';

export interface IngestParams {
  inputs: IngestInputs;
  /** With no orders input: the demo data set, generated into this folder. */
  demo?: { dir: string; options: DemoOptions };
  currency: string;
  formats: Record<InputKind, KindFormat>;
  columns: Record<InputKind, Record<string, string>>;
  exchangeRates?: string;
  earliestDate: string;
  maxRejectedShare: number;
  maxMisreadAmountShare: number;
  maxRejectedValueShare: number;
  skipLoaded: boolean;
  /** The database of the postgres:table=... and postgres:query=... inputs. */
  postgresUrl?: string;
}

export interface IngestOutput {
  inputs: FileIngest[];
  /** The run's rejected lines by class, each with an example. */
  rejectedByClass: RejectionClass[];
  /** True when the run read the generated demo data. */
  demo: boolean;
}

/** The ingest options of one run. */
export function ingestOptions(p: Omit<IngestParams, 'inputs' | 'demo'>, runId: string, runTime: Date): IngestOptions {
  return {
    runId, runTime, currency: p.currency, formats: p.formats, columns: p.columns, exchangeRates: p.exchangeRates,
    earliestDate: p.earliestDate, maxRejectedShare: p.maxRejectedShare, maxMisreadAmountShare: p.maxMisreadAmountShare,
    maxRejectedValueShare: p.maxRejectedValueShare, skipLoaded: p.skipLoaded, postgresUrl: p.postgresUrl,
  };
}

/** Each kind's formats: its own settings, csv.delimiter where it gives no delimiter, a date format as a list. */
function kindFormats(c: Config): Record<InputKind, KindFormat> {
  const of = (kind: InputKind): KindFormat => {
    const f = c.formats[kind];
    return {
      delimiter: f.delimiter ?? c.csv.delimiter, decimal: f.decimal, thousands: f.thousands,
      dateFormats: f.dateFormat === undefined ? [] : Array.isArray(f.dateFormat) ? f.dateFormat : [f.dateFormat],
      encoding: f.encoding, grain: kind === 'orders' ? f.grain : 'order',
      ...(kind === 'orders' && f.orderFields === 'first_row' ? { orderFields: 'first_row' as const } : {}),
      ...(kind === 'orders' && f.statuses ? { statuses: f.statuses } : {}),
    };
  };
  return { orders: of('orders'), customers: of('customers'), tickets: of('tickets'), referrals: of('referrals') };
}

/** The ingest slice of a configuration (commands that load inputs outside a run use it too). */
export function ingestParams(c: Config): IngestParams {
  const demo = c.orders.length === 0;
  return {
    inputs: { orders: c.orders, customers: c.customers, tickets: c.tickets, referrals: c.referrals },
    ...(demo ? { demo: { dir: join(dirname(resolve(c.db)), 'demo'), options: { ...c.demo, withBadRows: true } } } : {}),
    currency: c.currency,
    formats: kindFormats(c),
    columns: c.columns,
    exchangeRates: c.exchangeRates,
    earliestDate: c.ingest.earliestDate,
    maxRejectedShare: c.ingest.maxRejectedShare,
    maxMisreadAmountShare: c.ingest.maxMisreadAmountShare,
    maxRejectedValueShare: c.ingest.maxRejectedValueShare,
    skipLoaded: c.ingest.skipLoaded,
    ...(c.ingest.postgres.url ? { postgresUrl: c.ingest.postgres.url } : {}),
  };
}

/**
 * The ingest stage: every input file into its table (ingestInputs), or,
 * with no orders input, the seeded demo data set written first; a file
 * whose bytes an earlier run loaded under the same settings is skipped
 * (loaded_files), so a scheduled run reads only what is new. Stops when
 * no usable order is left, naming the main reasons.
 */
export const ingestStage: Stage<IngestParams, unknown, IngestOutput> = {
  name: 'ingest',
  reads: [],
  writes: ['orders', 'order_lines', 'orders_left_out', 'customers', 'tickets', 'referrals', 'rejected_rows', 'loaded_files', 'file_digests'],
  outside: 'reads the input files (writes the demo data set when there is none)',
  params: ingestParams,
  async run(ctx, p) {
    let inputs = p.inputs;
    if (p.demo) {
      const files = generateDemoData(p.demo.dir, p.demo.options);
      inputs = { orders: [files.orders], customers: [files.customers], tickets: [files.tickets], referrals: [files.referrals] };
      ctx.log.info({ ...files.stats, dir: p.demo.dir }, 'no --orders given: generated the demo data set');
    }
    const ingested = await ingestInputs(ctx.db, inputs, ingestOptions(p, ctx.runId, ctx.runTime), ctx.log);
    // Whether one is left, not how many: the first found ends the scan of the orders.
    const usable = await ctx.db.value<boolean>('SELECT EXISTS (SELECT 1 FROM orders WHERE amount >= 0 AND customer_id IS NOT NULL)');
    const classes = await rejectionClasses(ctx.db, ctx.runId);
    if (!usable) {
      const why = classes.length ? ` The reasons: ${describeClasses(classes)}; "fidelio rejected --run ${ctx.runId}" lists the lines.` : ' No line was rejected: the orders input holds no purchase of a known customer.';
      throw new DataError(`no usable orders: no purchase of a known customer was loaded.${why}`);
    }
    return { inputs: ingested, rejectedByClass: classes, demo: Boolean(p.demo) };
  },
  rows: async (_ctx, out) => ({
    rows_in: out.inputs.reduce((s, f) => s + f.rows_read, 0),
    rows_out: out.inputs.reduce((s, f) => s + f.rows_accepted, 0),
  }),
  manifest: (out) => ({ inputs: out.inputs, rejected_by_class: out.rejectedByClass }),
  // A run stopped in ingest (too many rejected lines, no usable order) still says why its lines were rejected.
  async manifestIfFailed({ db, runId }) {
    const classes = await rejectionClasses(db, runId);
    return classes.length ? { rejected_by_class: classes } : {};
  },
};
