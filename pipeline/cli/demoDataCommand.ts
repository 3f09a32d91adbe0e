import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { EXPORT_SHAPES, writeExport, type ExportShape } from '../demo/exportShapes.js';
import { writeFollowUp } from '../demo/followUp.js';
import { generateDemoData } from '../demo/generateDemoData.js';
import { HISTORY_SHAPES, writeHistory, type HistoryShape } from '../demo/historyShapes.js';
import { UsageError } from '../errors.js';
import { integer, type Stdout } from './options.js';

/** `fidelio demo-data`: writes the seeded demo data set, or one export in a real shop's shape. */
export function demoDataCommand(program: Command, stdout: Stdout): void {
  program
    .command('demo-data')
    .description('write the seeded demo data set (orders, customers, tickets CSV) into a folder')
    .requiredOption('--out <dir>', 'folder to write into')
    .option('--customers <n>', 'number of customers (default 5000)', integer('--customers'))
    .option('--months <n>', 'months of history (default 30)', integer('--months'))
    .option('--seed <n>', 'random seed (default 42)', integer('--seed'))
    .option('--end-date <date>', 'the last day of the history (default 2026-09-30)')
    .option('--bad-rows', 'append a few malformed order lines')
    .option('--follow-up <published>', 'instead, the orders of the days after that publication\'s as-of (follow-up.csv), its contacts given a true effect per action (surprise: a placebo), for a second run to measure')
    .option('--days <n>', 'with --follow-up: days to simulate (default: the run\'s horizon)', integer('--days'))
    .option('--by-type', 'with --follow-up: each buyer type of the demo its own true effect per action (positive for one, none for another, negative for a third)')
    .option('--demo-seed <n>', 'with --by-type: the seed the demo data was made with (default 42), which sets each customer\'s buyer type', integer('--demo-seed'))
    .option('--reach <share>', 'with --follow-up: the share of the contacted that marketing reached (e.g. 0.8): only they get the effect, written to contacts.csv for fidelio contacts --file', Number)
    .addOption(new Option('--shape <shape>', 'instead, one orders file in the shape a real shop exports (try "fidelio inspect" on it), or a real shop\'s history (seasonal-shop, steady-shop, growing-shop)').choices([...EXPORT_SHAPES, ...HISTORY_SHAPES]))
    .action(async (o: { out: string; customers?: number; months?: number; seed?: number; endDate?: string; badRows?: boolean; followUp?: string; days?: number; byType?: boolean; demoSeed?: number; reach?: number; shape?: ExportShape | HistoryShape }) => {
      if (o.followUp) {
        if (o.shape) throw new UsageError('demo-data: --follow-up and --shape are two different data sets; give one');
        if (o.reach !== undefined && !(o.reach > 0 && o.reach <= 1)) throw new UsageError(`demo-data: --reach must be a share above 0 and at most 1, got ${o.reach}`);
        const byType = o.byType ? { demoSeed: o.demoSeed ?? 42 } : undefined;
        stdout(JSON.stringify(await writeFollowUp(o.followUp, o.out, { seed: o.seed ?? 42, days: o.days, byType, reach: o.reach }), null, 2) + '\n');
        return;
      }
      if (o.byType || o.reach !== undefined || o.demoSeed !== undefined) throw new UsageError('demo-data: --by-type, --demo-seed and --reach go with --follow-up');
      if (o.shape && (HISTORY_SHAPES as string[]).includes(o.shape)) {
        mkdirSync(o.out, { recursive: true });
        const path = join(o.out, `${o.shape}.csv`);
        const truth = writeHistory(o.shape as HistoryShape, path, o.seed ?? 42, o.customers);
        stdout(JSON.stringify({ orders: path, invoices: truth.invoices, customers: truth.customers, from: truth.start, to: truth.end }, null, 2) + '\n');
        return;
      }
      if (o.shape) {
        mkdirSync(o.out, { recursive: true });
        const path = join(o.out, `${o.shape}.csv`);
        const truth = writeExport(o.shape as ExportShape, path, o.seed ?? 42, o.customers ?? 300);
        stdout(JSON.stringify({ orders: path, lines: truth.lines, orders_count: truth.orders, customers: truth.customers }, null, 2) + '\n');
        return;
      }
      const config = loadConfig(undefined, { demo: { customers: o.customers, months: o.months, seed: o.seed, endDate: o.endDate } } as ConfigInput);
      const files = generateDemoData(o.out, { ...config.demo, withBadRows: Boolean(o.badRows) });
      stdout(JSON.stringify(files, null, 2) + '\n');
    });
}
