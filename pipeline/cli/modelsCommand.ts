import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { listModels, promote, rollback } from '../registry/registry.js';
import { databaseOptions, type Stdout } from './options.js';
import { withRunDatabase } from './runDatabase.js';
import { printRows, rowsFormat, rowsFormatOption } from './textTable.js';

type DbOptions = { db?: string; config?: string };

/** `fidelio models list|show|promote|rollback`: the database's model registry. */
export function modelsCommand(program: Command, log: Logger, stdout: Stdout): void {
  const models = program.command('models').description('the model registry of a database: its champion and challengers');
  const json = (value: unknown) => stdout(JSON.stringify(value, null, 2) + '\n');
  databaseOptions(models.command('list').description('every model trained on this database, newest first, with its backtest figures and status (a table on a terminal, JSON when piped)'))
    .addOption(rowsFormatOption())
    .action((o: DbOptions & { format?: string }) => withRunDatabase(o, 'model_registry', async (db) => stdout(printRows(rowsFormat(o.format), await listModels(db) as unknown as Record<string, unknown>[],
      ['model_version', 'status', 'as_of', 'churn_model', 'value_model', 'churn_log_loss', 'churn_auc', 'recency_auc', 'value_gini', 'promoted_at']))));
  databaseOptions(models.command('show').argument('<version>', 'a model version (fidelio-...)').description("a model's registry record, metadata and backtest"))
    .action((version: string, o: DbOptions) => withRunDatabase(o, 'model_registry', async (db) => {
      const row = (await listModels(db)).find((r) => r.model_version === version);
      if (!row) throw new UsageError(`no model ${version} in this database's registry; see "fidelio models list"`);
      const read = (f: string) => (existsSync(join(row.path, f)) ? JSON.parse(readFileSync(join(row.path, f), 'utf8')) : null);
      json({ ...row, meta: read('meta.json'), metrics: read('metrics.json') });
    }));
  databaseOptions(models.command('promote').argument('<version>', 'a model version (fidelio-...)').description('make a model the champion that scores the next runs'))
    .action((version: string, o: DbOptions) => withRunDatabase(o, 'model_registry', async (db) => {
      await promote(db, version);
      log.info({ champion: version }, 'promoted');
      stdout(JSON.stringify({ champion: version }) + '\n');
    }, false));
  databaseOptions(models.command('rollback').description("give the champion's place back to the model that held it before"))
    .action((o: DbOptions) => withRunDatabase(o, 'model_registry', async (db) => {
      const version = await rollback(db);
      log.info({ champion: version }, 'rolled back');
      stdout(JSON.stringify({ champion: version }) + '\n');
    }, false));
}
