import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { InputError, UsageError } from '../errors.js';
import { formatList, listFilter, rankingOf, rankOrder, selectList, type ListOptions } from '../publish/customerList.js';
import { collect, writeOutput, type Stdout } from './options.js';

export { filterValues, listFilter, type ListOptions } from '../publish/customerList.js';

/** The most rows --top may ask for. */
const MAX_TOP = 1_000_000_000;

/** --top: a whole number from 1 to MAX_TOP (0, negatives, fractions, empty and 64-bit overflow refused). */
export function topCount(value: string): number {
  const n = /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_TOP)) throw new UsageError(`--top must be a whole number from 1 to ${MAX_TOP.toLocaleString('en-US')}, got "${value}"`);
  return n;
}

/**
 * The published scores a database holds: a working database's
 * `published_scores` (the copy of customer_scores that its last
 * publication switched in, written in the same step); the published copy's
 * `customer_scores` (it holds nothing else). Scores that a run computed but
 * did not publish (a full disk, a kill after scoring) are never listed.
 */
async function publishedScores(db: Database, path: string): Promise<string> {
  if (!(await db.hasTable('runs'))) {
    if (await db.hasTable('customer_scores')) return 'customer_scores';
    throw new InputError(`${path} has no customer_scores yet: run "fidelio run" first, or point --db at a fidelio database or at its published copy (fidelio.duckdb in the output folder)`);
  }
  if (await db.hasTable('published_scores')) return 'published_scores';
  // A database from before published_scores: its customer_scores are the published ones only if its last run succeeded.
  const last = await db.one<{ outcome: string; run_id: string }>('SELECT outcome, run_id FROM runs ORDER BY started_at DESC LIMIT 1');
  if (last?.outcome === 'succeeded' && (await db.hasTable('customer_scores'))) return 'customer_scores';
  throw new InputError(last
    ? `${path} has no published scores: its last run (${last.run_id}) ${last.outcome === 'failed' ? 'failed' : 'did not finish'} before publishing; run "fidelio run" again, or list from the published copy (fidelio.duckdb in the output folder)`
    : `${path} has no customer_scores yet: run "fidelio run" first`);
}

/** Where a list's customers come from on an open database, checked against what its publication holds. */
async function listSource(db: Database, path: string, what: string, o: ListOptions): Promise<{ scores: string; customers: boolean; published: Set<string> }> {
  const scores = await publishedScores(db, path);
  const customers = await db.hasTable('customers');
  if (!customers && o.country?.length) throw new InputError(`${path} holds no countries: filter by --country on the working database`);
  const published = new Set((await db.all<{ column_name: string }>(`DESCRIBE ${scores}`)).map((c) => c.column_name));
  if (what === 'ambassador' && !published.has('is_ambassador')) {
    throw new InputError(`${path}: its published scores come from a version of fidelio without ambassadors; run "fidelio run" again to publish them`);
  }
  if (o.persona && !published.has('persona')) throw new InputError(`${path}: its published scores come from a version of fidelio without personas; run "fidelio run" again to publish them`);
  return { scores, customers, published };
}

/** A list's query: its rows from the published scores, its order, and the values bound to them. */
export interface ListQuery {
  /** SELECT s.* ... FROM ... WHERE ...: the list's customers, unordered. */
  from: string;
  /** The list's order (before the customer_id that breaks ties). */
  order: string;
  params: Record<string, string | number>;
  /** The columns of the published scores. */
  columns: Set<string>;
  /** The figure the list ranks by (rankingOf): each row has it as `list_ranking`, shown under the CLI list's column name (before its currency code). */
  ranking: { column: string; meaning: string };
}

/**
 * The customers of `fidelio list <what>` on an open database (the working
 * database or the published copy) with every published column, and their
 * order: `fidelio serve` pages and sorts this query, so its lists hold the
 * command's customers in the command's order (selectList's filter and order).
 */
export async function listQuery(db: Database, path: string, typed: string, o: ListOptions): Promise<ListQuery> {
  const { what, where, params } = listFilter(typed, o);
  const { scores, customers, published } = await listSource(db, path, what, o);
  const ranking = rankingOf(what, published);
  const from = `${readSql('publish/list_customers.sql').replace('/*columns*/', `s.*, ${ranking.sql} AS list_ranking`).replace('/*scores*/', scores)
    .replace('/*customers*/', customers ? 'LEFT JOIN customers c USING (customer_id)' : '')}
          WHERE ${where.join(' AND ')}`;
  return { from, order: rankOrder(what, published), params, columns: published, ranking: { column: ranking.column, meaning: ranking.meaning } };
}

/** What `fidelio list <what>` writes (CSV or JSON) from an open database: the one writer of a list, for the command and the page's download. */
export async function listText(db: Database, path: string, typed: string, o: ListOptions): Promise<string> {
  const { what, where, params } = listFilter(typed, o);
  const { scores, customers } = await listSource(db, path, what, o);
  const list = await selectList(db, { scores, customers }, { what, where, params, top: o.top, allColumns: o.allColumns });
  return formatList(list, o.format);
}

/** `fidelio list`: the customers to contact from the last published scores, as CSV or JSON. */
export function listCommand(program: Command, stdout: Stdout): void {
  program
    .command('list')
    .argument('<what>', 'at-risk-vip, ambassador, or an action: save, surprise, grow, nurture, win-back (hyphens or underscores alike)')
    .description('customers to contact from the last published scores: at-risk-vip (VIPs whose churn_risk is medium or high, most worth saving first: by value_kept, what a contact can keep, never more than the 12-month CLV, with the value at stake beside it), the customers of an action (in its action_priority: most value kept first), or ambassador (to invite into a refer-a-friend programme, most valuable first, counting the value of the customers they referred). Opted-out and control-group customers never appear; nor, in the action lists and at-risk-vip, cooldown and over-budget ones. By default the columns a campaign needs, figures rounded, amounts headed with their currency code, numbered 1.. in the priority column; --all-columns for every customer_scores column as published.')
    .option('--top <n>', 'how many (default all)', topCount)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--risk <levels>', 'at-risk-vip: churn_risk levels to include, comma separated', 'medium,high')
    .option('--tier <tiers>', 'only these value tiers, comma separated (1 = top)')
    .option('--segment <segments>', 'only these segments, comma separated')
    .option('--country <countries>', 'only these countries (from the customers input), comma separated (\\, for a comma inside a name); repeatable', collect)
    .option('--persona <names>', 'only these personas (the persona column), comma separated')
    .option('--all-columns', 'every customer_scores column, unrounded (what fidelio list printed before: scripts that read those columns add this flag)')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--db <file>', 'the working database (default data/fidelio.duckdb) or the published copy (fidelio.duckdb in the output folder)')
    .option('--config <file>', 'configuration file')
    .action(async (typed: string, o: ListOptions) => {
      listFilter(typed, o);
      const config = loadConfig(o.config, { db: o.db } as ConfigInput);
      if (!existsSync(config.db)) throw new InputError(`${config.db} does not exist: run "fidelio run" first, or point --db at a fidelio database`);
      const db = await Database.open(config.db, { readOnly: true });
      try {
        const text = await listText(db, config.db, typed, o);
        if (o.out) writeOutput(o.out, text);
        else stdout(text);
      } finally {
        db.close();
      }
    });
}
