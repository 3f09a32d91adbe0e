import type { Database } from '../pipeline/db/Database.js';
import { silentLogger } from '../pipeline/log.js';
import { PeakMemory } from '../pipeline/measure.js';
import { publishPostgres, type PostgresTarget } from '../pipeline/publish/publishPostgres.js';
import { DATA_DICTIONARY, tableEntry, type ColumnEntry } from '../pipeline/shared/dataDictionary.js';

/**
 * Mode postgres: the PostgreSQL publication of `customers` customers, timed.
 * The tables are made in DuckDB from the data dictionary (every column of
 * customer_scores filled with seeded values of its type and range, a
 * reason of realistic length; the countries; the small tables empty), so
 * that the publication alone is measured, not a whole run. Published twice:
 * the first creates the tables, the second is a scheduled run's (the
 * previous rows deleted and the new ones copied in one transaction, the
 * history grown by a run).
 */
export async function benchPostgres(db: Database, target: PostgresTarget, customers: number, memory: PeakMemory): Promise<{ step: string; seconds: number; peak_mib: number; note?: string }[]> {
  const value = (c: ColumnEntry): string => {
    const h = `hash(i, ${`'${c.name}'`})`;
    if (c.name === 'customer_id') return `'C' || lpad(CAST(i AS VARCHAR), 8, '0')`;
    if (c.name === 'as_of') return `DATE '2026-09-30'`;
    if (c.name === 'reasons') return `'no order for ' || (${h} % 900) || ' days, 3.1x the usual gap of 30 days; 2 unresolved complaints'`;
    if (c.values) return `[${c.values.map((v) => `'${v}'`).join(', ')}][1 + CAST(${h} % ${c.values.length} AS INTEGER)]`;
    switch (c.type) {
      case 'BOOLEAN': return `${h} % 5 = 0`;
      case 'DATE': return `DATE '2026-09-30' + CAST(${h} % 365 AS INTEGER)`;
      case 'DOUBLE': return c.range?.max === 1 ? `(${h} % 1000000) / 1e6` : `(${h} % 100000000) / 1000.0`;
      case 'BIGINT': case 'INTEGER': return c.range?.max === 5 ? `1 + ${h} % 5` : `1 + ${h} % 1000`;
      default: return `'text ' || (${h} % 1000)`;
    }
  };
  const scores = tableEntry('customer_scores');
  await db.run(`CREATE OR REPLACE TABLE customer_scores AS SELECT ${scores.columns.map((c) => `CAST(${value(c)} AS ${c.type}) AS ${c.name}`).join(', ')} FROM range(${customers}) t(i)`);
  // The customers as a customers file with names and emails gives them (the lists' contact columns).
  await db.run(`CREATE OR REPLACE TABLE customers AS SELECT customer_id, ['US', 'DE', 'FR', 'ES', 'GB', 'MX'][1 + CAST(hash(customer_id) % 6 AS INTEGER)] AS country,
    'Customer ' || customer_id AS name, lower(customer_id) || '@example.com' AS email FROM customer_scores`);
  for (const entry of DATA_DICTIONARY.filter((t) => t.sinks.includes('postgres') && !['customer_scores', 'customers', 'customer_scores_history', 'model_metrics', 'runs'].includes(t.name))) {
    await db.run(`CREATE OR REPLACE TABLE ${entry.name} AS SELECT ${entry.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`).join(', ')} WHERE false`);
  }
  const rows: { step: string; seconds: number; peak_mib: number; note?: string }[] = [];
  const n = customers.toLocaleString('en-US');
  for (const [i, label] of [[1, 'first publication (creates the tables)'], [2, 'the next day\'s publication (every score replaced, history grows, 1.5% of customers changed)']] as const) {
    if (i === 2) {
      // The next day: every score moves with the as-of; a few customers change their profile, leave or arrive.
      await db.run(`UPDATE customer_scores SET as_of = as_of + 1, churn_probability = churn_probability * 0.99, days_since_last_order = days_since_last_order + 1`);
      await db.run(`UPDATE customers SET email = 'moved.' || email WHERE hash(customer_id, 'moved') % 100 = 0`);
      await db.run(`DELETE FROM customers WHERE hash(customer_id, 'gone') % 500 = 0`);
      await db.run(`INSERT INTO customers SELECT 'N' || lpad(CAST(i AS VARCHAR), 8, '0'), 'US', 'New ' || i, 'n' || i || '@example.com' FROM range(${Math.round(customers * 0.003)}) t(i)`);
    }
    memory.reset();
    // The JavaScript heap's peak while publishing: the rows go from DuckDB to the socket in pieces, so it should not grow with the base.
    let heapPeak = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 50);
    const started = performance.now();
    const done = await publishPostgres(db, target, {
      runId: `bench-${i}`, asOf: '2026-09-30', horizonDays: 90, startedAt: new Date().toISOString(), modelVersion: 'fidelio-bench', currency: 'USD',
      metrics: { churn: { auc: 0.9 } }, manifest: { run_id: `bench-${i}` },
    }, silentLogger);
    clearInterval(sampler);
    const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
    rows.push({ step: `**${n} customers into PostgreSQL: ${label}**`, seconds, peak_mib: memory.mib(),
      note: done.tables.filter((t) => t.rows > 1).map((t) => `${t.table} ${t.rows.toLocaleString("en-US")} (${t.table === 'customer_scores_history' ? `made by the server in ${t.copy_seconds} s` : `${t.changed === undefined ? 'binary COPY' : `${t.changed.toLocaleString('en-US')} changed,`} ${t.copy_seconds} s`})`).join(', ') + ` rows; one transaction; JavaScript heap at most ${Math.round(heapPeak / 2 ** 20)} MiB` });
  }
  return rows;
}
