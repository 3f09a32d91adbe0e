import { Option, type Command } from 'commander';
import { readSql } from '../db/sqlFile.js';
import { UsageError } from '../errors.js';
import { rejectionClasses } from '../ingest/rejectionClasses.js';
import { csvLine } from '../shared/csv.js';
import { integer, writeOutput, type Stdout } from './options.js';
import { withRunDatabase } from './runDatabase.js';

interface RejectedOptions {
  run?: string;
  class?: string;
  top?: number;
  summary?: boolean;
  format: 'csv' | 'json';
  out?: string;
  db?: string;
  config?: string;
}

/** `fidelio rejected`: the lines a run rejected, with their reason and class, or (--summary) the classes with counts and examples. */
export function rejectedCommand(program: Command, stdout: Stdout): void {
  program
    .command('rejected')
    .description('the lines a run rejected (by default the latest run), each with its file, line, reason class, reason and text; --summary for the classes with counts and an example each')
    .option('--run <id>', 'the run (see "fidelio runs"; default the latest)')
    .option('--class <class>', 'only this reason class (such as order_ts_not_a_date)')
    .option('--top <n>', 'at most this many lines (default 1000)', integer('--top'))
    .option('--summary', 'the reason classes with their counts and first line instead of the lines')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file')
    .action(async (o: RejectedOptions) => {
      if (o.top !== undefined && o.top < 1) throw new UsageError(`--top must be at least 1, got ${o.top}`);
      await withRunDatabase(o, 'rejected_rows', async (db) => {
        const runId = o.run ?? (await db.value<string | null>('SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1'));
        if (!runId) throw new UsageError('the database records no run yet: run "fidelio run" first');
        if (o.run && !(await db.value<number>('SELECT count(*) FROM runs WHERE run_id = $1', [o.run]))) {
          throw new UsageError(`no run ${o.run} in this database; see "fidelio runs"`);
        }
        const rows: Record<string, unknown>[] = o.summary
          ? (await rejectionClasses(db, runId)).filter((c) => !o.class || c.reason_class === o.class).map((c) => ({ ...c }))
          : await db.all(readSql('cli/rejected_rows.sql'), { run_id: runId, class: o.class ?? null, top: o.top ?? 1000 });
        const columns = o.summary
          ? ['kind', 'reason_class', 'lines', 'example_line', 'example_reason', 'example_raw']
          : ['run_id', 'kind', 'file', 'line', 'reason_class', 'reason', 'raw'];
        const text = o.format === 'json'
          ? JSON.stringify(rows, null, 2) + '\n'
          : [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\n') + '\n';
        if (o.out) writeOutput(o.out, text);
        else stdout(text);
      });
    });
}
