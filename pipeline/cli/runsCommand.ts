import type { Command } from 'commander';
import type { Stdout } from './options.js';
import { printRows, rowsFormat, rowsFormatOption } from './textTable.js';
import { withRunDatabase } from './runDatabase.js';

/** `fidelio runs`: the runs recorded in a database, newest first. */
export function runsCommand(program: Command, stdout: Stdout): void {
  program
    .command('runs')
    .description('list the runs recorded in the database, newest first')
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .addOption(rowsFormatOption())
    .action(async (o: { db?: string; format?: string }) => {
      await withRunDatabase(o, 'runs', async (db) => {
        const rows = await db.all(`SELECT run_id, started_at, finished_at, CAST(as_of AS VARCHAR) AS as_of, outcome, error FROM runs ORDER BY started_at DESC`);
        stdout(printRows(rowsFormat(o.format), rows, ['run_id', 'started_at', 'finished_at', 'as_of', 'outcome', 'error']));
      });
    });
}
