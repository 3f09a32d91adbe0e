import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { generateDemoData } from '../demo/generateDemoData.js';
import { integer, type Stdout } from './options.js';

/** `fidelio demo-data`: writes the seeded demo data set. */
export function demoDataCommand(program: Command, stdout: Stdout): void {
  program
    .command('demo-data')
    .description('write the seeded demo data set (orders, customers, tickets CSV) into a folder')
    .requiredOption('--out <dir>', 'folder to write into')
    .option('--customers <n>', 'number of customers (default 5000)', integer('--customers'))
    .option('--months <n>', 'months of history (default 30)', integer('--months'))
    .option('--seed <n>', 'random seed (default 42)', integer('--seed'))
    .option('--bad-rows', 'append a few malformed order lines')
    .action((o: { out: string; customers?: number; months?: number; seed?: number; badRows?: boolean }) => {
      const config = loadConfig(undefined, { demo: { customers: o.customers, months: o.months, seed: o.seed } } as ConfigInput);
      const files = generateDemoData(o.out, { ...config.demo, withBadRows: Boolean(o.badRows) });
      stdout(JSON.stringify(files, null, 2) + '\n');
    });
}
