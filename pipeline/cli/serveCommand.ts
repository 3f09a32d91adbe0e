import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { PublishedData } from '../serve/publishedData.js';
import { startServer } from '../serve/startServer.js';
import { listQuery, listText, topCount } from './listCommand.js';

interface ServeCommandOptions {
  db?: string;
  out?: string;
  config?: string;
  host: string;
  port: string;
  token?: string;
}

/** `fidelio serve`: the page marketing opens, over the last publication, until stopped (Ctrl-C). */
export function serveCommand(program: Command, log: Logger): void {
  program
    .command('serve')
    .description('a web page over the last published scores: the KPIs, the lists (as fidelio list writes them), each customer, the personas and effects, and the campaigns marketing records as sent. Bound to 127.0.0.1 by default; any other address needs a token.')
    .option('--db <file>', 'the working database (default data/fidelio.duckdb): orders and recorded campaigns')
    .option('--out <dir>', 'the publication folder a run published (default data/out)')
    .option('--config <file>', 'configuration file')
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--token <token>', 'required beyond the loopback address (or FIDELIO_TOKEN): every request must carry it')
    .action(async (o: ServeCommandOptions) => {
      const port = /^\d{1,5}$/.test(o.port) && Number(o.port) <= 65535 ? Number(o.port) : NaN;
      if (!Number.isInteger(port)) throw new UsageError(`--port must be a number from 0 to 65535, got "${o.port}"`);
      const config = loadConfig(o.config, { db: o.db, out: o.out } as ConfigInput);
      const token = o.token ?? (process.env.FIDELIO_TOKEN || undefined);
      // Nothing published yet: say so now rather than serve a page that says it.
      new PublishedData(resolve(config.out)).release();
      const server = await startServer({
        out: resolve(config.out), db: resolve(config.db), host: o.host, port, token, minGroup: config.scoring.effects.minGroup, log, lists: { listQuery, listText, topCount },
      });
      log.info({ url: server.url, out: config.out, db: config.db }, `fidelio serve: open ${server.url}${token ? '?token=<token>' : ''} (Ctrl-C stops it)`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
