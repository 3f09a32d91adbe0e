import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import type { Logger } from '../log.js';
import { parsePartition, scorePartition } from '../score/scorePartition.js';
import type { Stdout } from './options.js';

/** `fidelio score-partition`: one worker's share of scoring. */
export function scorePartitionCommand(program: Command, log: Logger, stdout: Stdout): void {
  program
    .command('score-partition')
    .description("score one share of the customers with the champion (hash(customer_id) % N = k), for workers running in parallel; writes the models' figures to a Parquet file")
    .requiredOption('--part <k/N>', 'the share to score, such as 0/4')
    .requiredOption('--out <file>', 'the Parquet file to write')
    .option('--db <file>', 'DuckDB database file of a completed run (read only; default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file (JSON or YAML)')
    .action(async (o: { part: string; out: string; db?: string; config?: string }) => {
      const part = parsePartition(o.part);
      const config = loadConfig(o.config, { db: o.db } as ConfigInput);
      const result = await scorePartition(config, part, o.out, log);
      stdout(JSON.stringify({ part: o.part, out: o.out, ...result }) + '\n');
    });
}
