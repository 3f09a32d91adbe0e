import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { migrate } from '../db/migrations.js';
import { InputError } from '../errors.js';
import { ingestContacts } from '../ingest/ingestContacts.js';
import type { Stdout } from './options.js';
import { withRunDatabase } from './runDatabase.js';

interface ContactsOptions {
  file: string;
  campaign?: string;
  db?: string;
  config?: string;
}

/**
 * `fidelio contacts --file FILE`: the contacts marketing actually made,
 * recorded in the working database's recorded_contacts (where fidelio
 * serve's campaigns land too), for the effects on the contacted. Prints the
 * file's accounting as JSON; its rejected lines are the load's
 * (fidelio rejected --run ID).
 */
export function contactsCommand(program: Command, stdout: Stdout): void {
  program
    .command('contacts')
    .description('record the contacts marketing made (customer_id, action, contacted_at, channel, optional cost) from a CSV, JSON lines or Parquet file, so that the next run measures the effect on those actually reached')
    .requiredOption('--file <file>', 'the contacts file')
    .option('--campaign <name>', 'the campaign\'s name (default: the file\'s name)')
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file (currency, ingest.earliestDate)')
    .action(async (o: ContactsOptions) => {
      if (!existsSync(o.file)) throw new InputError(`${o.file} does not exist: give the contacts file with --file`);
      await withRunDatabase(o, 'runs', async (db, config) => {
        await migrate(db);
        const now = new Date();
        const loadId = `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-contacts-${randomBytes(3).toString('hex')}`;
        const result = await ingestContacts(db, o.file, { loadId, runTime: now, currency: config.currency, earliestDate: config.ingest.earliestDate, campaign: o.campaign });
        // The load is recorded among the runs, so that its rejected lines are found by its id like a run's.
        await db.run(`INSERT INTO runs (run_id, started_at, finished_at, as_of, outcome, manifest) VALUES ($id, CAST($at AS TIMESTAMPTZ), now(), NULL, 'succeeded', $manifest)`,
          { id: loadId, at: now.toISOString(), manifest: JSON.stringify({ command: 'contacts', contacts: result }) });
        stdout(JSON.stringify(result, null, 2) + '\n');
      }, false);
    });
}
