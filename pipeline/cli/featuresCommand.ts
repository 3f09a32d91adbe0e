import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { Database, literal } from '../db/Database.js';
import { migrate } from '../db/migrations.js';
import { copyCsv } from '../db/csvCopy.js';
import { UsageError } from '../errors.js';
import { buildFeatures } from '../features/customerFeatures.js';
import { ingestInputs } from '../ingest/ingestInputs.js';
import { ingestOptions, ingestParams } from '../ingest/ingestStage.js';
import type { Logger } from '../log.js';
import { inputOptions, overrides, type CommonOptions } from './options.js';

/** `fidelio features`: loads the inputs and writes the feature table as of a date. */
export function featuresCommand(program: Command, log: Logger): void {
  inputOptions(program.command('features'))
    .description('write the feature table (one row per customer known at --as-of) as CSV or Parquet, by the file extension')
    .requiredOption('--as-of <date>', 'features as of this day (YYYY-MM-DD)')
    .requiredOption('--out <file>', 'output file (.csv or .parquet)')
    .action(async (o: CommonOptions & { out: string }) => {
      const file = resolve(o.out);
      const format = file.endsWith('.parquet') ? 'parquet' : file.endsWith('.csv') ? 'csv' : undefined;
      if (!format) throw new UsageError(`--out ${o.out}: expected a .csv or .parquet file name`);
      const config = loadConfig(o.config, { ...overrides(o), out: undefined } as ConfigInput);
      if (config.orders.length === 0) throw new UsageError('features needs --orders (or orders in the config)');
      const db = await Database.open(config.db, { ...config.duckdb, timezone: config.timezone });
      try {
        await migrate(db);
        const p = ingestParams(config);
        await ingestInputs(db, p.inputs, ingestOptions(p, `features-${Date.now()}`, new Date()), log.child({ stage: 'ingest' }));
        const n = await buildFeatures(db, config.asOf!);
        if (format === 'csv') await copyCsv(db, 'SELECT * FROM customer_features ORDER BY customer_id', file);
        else await db.run(`COPY (SELECT * FROM customer_features ORDER BY customer_id) TO ${literal(file)} (FORMAT parquet)`);
        log.info({ customers: n, out: file }, 'features written');
      } finally {
        db.close();
      }
    });
}
