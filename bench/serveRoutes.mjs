// Times fidelio serve's routes on a publication (a bench, not a test): starts the server on
// a free loopback port, asks each route once (its first time: the overview, personas and
// effects are then kept for the release), then `--n` times, one at a time, and prints each
// route's first, median and slowest time in ms.
//   npm run build && node bench/serveRoutes.mjs --db data/fidelio.duckdb --out data/out [--n 20]
import { parseArgs } from 'node:util';
import { listQuery, listText, topCount } from '../dist/pipeline/cli/listCommand.js';
import { Database } from '../dist/pipeline/db/Database.js';
import { silentLogger } from '../dist/pipeline/log.js';
import { startServer } from '../dist/pipeline/serve/startServer.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'data/fidelio.duckdb' }, out: { type: 'string', default: 'data/out' }, n: { type: 'string', default: '20' } } });
const n = Number(values.n);
// A customer and a segment from the publication, for the routes that need one.
const copy = await Database.open(`${values.out}/fidelio.duckdb`, { readOnly: true });
const { customer_id: customer, segment } = await copy.one("SELECT customer_id, segment FROM customer_scores WHERE is_vip AND churn_risk <> 'low' AND contact ORDER BY customer_id LIMIT 1");
const customers = await copy.value('SELECT count(*) FROM customer_scores');
copy.close();
const started = performance.now();
const server = await startServer({ out: values.out, db: values.db, host: '127.0.0.1', port: 0, minGroup: 30, log: silentLogger, lists: { listQuery, listText, topCount } });
// A server that runs while runs publish makes the overview, personas and effects of each new release ahead (within
// seconds of its switch): timed apart, and the routes timed as a visitor finds them after.
await server.ready;
console.log(`overview, personas and effects made ahead in ${(performance.now() - started).toFixed(0)} ms`);
const routes = [
  ['overview', '/'],
  ['list page', '/lists/at-risk-vip'],
  ['filtered list page', `/lists/at-risk-vip?tier=1&segment=${encodeURIComponent(segment)}`],
  ['sorted list page', '/lists/save?sort=churn_probability&dir=desc&page=2'],
  ['list CSV, top 1000', '/lists/save?format=csv&top=1000'],
  ['customer page', `/customers/${encodeURIComponent(customer)}`],
  ['personas', '/personas'],
  ['effects', '/effects'],
  ['campaigns', '/campaigns'],
];
console.log(`fidelio serve on ${customers} customers, ${n} requests a route after one to warm it`);
console.log('| route | first ms | median ms | slowest ms |\n|---|---|---|---|');
try {
  for (const [name, path] of routes) {
    const times = [];
    let first = 0;
    for (let i = 0; i <= n; i++) {
      const t = performance.now();
      const r = await fetch(new URL(path, server.url));
      await r.text();
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      if (i > 0) times.push(performance.now() - t);
      else first = performance.now() - t;
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${first.toFixed(1)} | ${times[Math.floor(times.length / 2)].toFixed(1)} | ${times.at(-1).toFixed(1)} |`);
  }
} finally {
  await server.close();
}
