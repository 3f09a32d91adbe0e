import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { generateDemoData, type DemoOptions } from '../demo/generateDemoData.js';
import { DataError } from '../errors.js';
import type { FileIngest } from '../manifest.js';
import type { InputKind } from '../shared/inputSpecs.js';
import type { Stage } from '../stage.js';
import { ingestInputs, type IngestInputs, type IngestOptions } from './ingestInputs.js';

export interface IngestParams {
  inputs: IngestInputs;
  /** With no orders input: the demo data set, generated into this folder. */
  demo?: { dir: string; options: DemoOptions };
  currency: string;
  delimiter: string;
  columns: Record<InputKind, Record<string, string>>;
  exchangeRates?: string;
}

export interface IngestOutput {
  inputs: FileIngest[];
  /** True when the run read the generated demo data. */
  demo: boolean;
}

/** The ingest options of one run. */
export function ingestOptions(p: Omit<IngestParams, 'inputs' | 'demo'>, runId: string, runTime: Date): IngestOptions {
  return { runId, runTime, currency: p.currency, delimiter: p.delimiter, columns: p.columns, exchangeRates: p.exchangeRates };
}

/** The ingest slice of a configuration (commands that load inputs outside a run use it too). */
export function ingestParams(c: Config): IngestParams {
  const demo = c.orders.length === 0;
  return {
    inputs: { orders: c.orders, customers: c.customers, tickets: c.tickets },
    ...(demo ? { demo: { dir: join(dirname(resolve(c.db)), 'demo'), options: { ...c.demo, withBadRows: true } } } : {}),
    currency: c.currency,
    delimiter: c.csv.delimiter,
    columns: c.columns,
    exchangeRates: c.exchangeRates,
  };
}

/**
 * The ingest stage: every input file into its table (ingestInputs), or,
 * with no orders input, the seeded demo data set written first. Stops when
 * no usable order is left.
 */
export const ingestStage: Stage<IngestParams, unknown, IngestOutput> = {
  name: 'ingest',
  reads: [],
  writes: ['orders', 'customers', 'tickets', 'rejected_rows'],
  outside: 'reads the input files (writes the demo data set when there is none)',
  params: ingestParams,
  async run(ctx, p) {
    let inputs = p.inputs;
    if (p.demo) {
      const files = generateDemoData(p.demo.dir, p.demo.options);
      inputs = { orders: [files.orders], customers: [files.customers], tickets: [files.tickets] };
      ctx.log.info({ ...files.stats, dir: p.demo.dir }, 'no --orders given: generated the demo data set');
    }
    const ingested = await ingestInputs(ctx.db, inputs, ingestOptions(p, ctx.runId, ctx.runTime), ctx.log);
    const usable = await ctx.db.value<number>('SELECT count(*) FROM orders WHERE amount >= 0');
    if (!usable) throw new DataError('no usable orders: every input row was rejected or the orders input is empty (see rejected_rows in the database)');
    return { inputs: ingested, demo: Boolean(p.demo) };
  },
  rows: async (_ctx, out) => ({
    rows_in: out.inputs.reduce((s, f) => s + f.rows_read, 0),
    rows_out: out.inputs.reduce((s, f) => s + f.rows_accepted, 0),
  }),
};
