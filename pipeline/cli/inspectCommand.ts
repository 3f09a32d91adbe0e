import type { Command } from 'commander';
import { Database } from '../db/Database.js';
import { UsageError } from '../errors.js';
import { resolveInputs } from '../ingest/resolveInputs.js';
import { inspectFile, type FileInspection } from '../inspect/inspectFile.js';
import { inspectionConfig } from '../inspect/inspectionConfig.js';
import type { Logger } from '../log.js';
import { INPUT_KINDS, type InputKind } from '../shared/inputSpecs.js';
import { collect, writeOutput, type Stdout } from './options.js';

interface InspectOptions {
  orders?: string[];
  customers?: string[];
  tickets?: string[];
  referrals?: string[];
  out?: string;
}

/**
 * `fidelio inspect`: reads the head and a sample of each file and prints a
 * complete configuration for them on standard output, every guess with its
 * evidence; exit 2 when the data cannot decide a setting that matters.
 */
export function inspectCommand(program: Command, log: Logger, stdout: Stdout): void {
  program
    .command('inspect')
    .description('read the input files and print a configuration for them (YAML): delimiter, decimal separator, date format, encoding, line items or orders (and a hosted shop\'s orders\' fields on their first line), the column mapping, the currency, what revenue means (an export\'s order subtotal or total, its refunds) and what each order status means, each guess with its evidence')
    .option('--orders <path>', 'orders file or glob; repeatable', collect)
    .option('--customers <path>', 'customers file or glob; repeatable', collect)
    .option('--tickets <path>', 'support tickets file or glob; repeatable', collect)
    .option('--referrals <path>', 'referrals file or glob; repeatable', collect)
    .option('--out <file>', 'write the configuration to a file instead of standard output')
    .action(async (o: InspectOptions) => {
      if (!o.orders?.length) throw new UsageError('inspect needs --orders (and optionally --customers, --tickets, --referrals)');
      const db = await Database.open(':memory:');
      try {
        const inspections: Partial<Record<InputKind, FileInspection[]>> = {};
        for (const kind of INPUT_KINDS) {
          const patterns = o[kind] ?? [];
          if (!patterns.length) continue;
          inspections[kind] = [];
          for (const path of await resolveInputs(db, patterns)) {
            const found = await inspectFile(db, kind, path);
            log.info({ kind, path, lines: found.lines, refusals: found.refusals.length }, 'inspected');
            inspections[kind]!.push(found);
          }
        }
        const { yaml, refusals } = inspectionConfig(inspections, new Date().toISOString().slice(0, 10));
        if (refusals.length) throw new UsageError('inspect cannot write a configuration that reads these files right', refusals);
        if (o.out) writeOutput(o.out, yaml);
        else stdout(yaml);
      } finally {
        db.close();
      }
    });
}
