import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { loadConfig, type ConfigInput } from '../config.js';
import { Database } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { InputError, UsageError } from '../errors.js';
import { ACTIONS } from '../shared/actionRate.js';
import { csvLine } from '../shared/csv.js';
import { collect, writeOutput, type Stdout } from './options.js';

/** The lists that are not an action's. */
const LISTS = ['at-risk-vip', 'ambassador'];
/** The most rows --top may ask for. */
const MAX_TOP = 1_000_000_000;

export interface ListOptions {
  top?: number;
  format: 'csv' | 'json';
  risk: string;
  tier?: string;
  segment?: string;
  country?: string[];
  persona?: string;
  out?: string;
  db?: string;
  config?: string;
}

/** --top: a whole number from 1 to MAX_TOP (0, negatives, fractions, empty and 64-bit overflow refused). */
export function topCount(value: string): number {
  const n = /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_TOP)) throw new UsageError(`--top must be a whole number from 1 to ${MAX_TOP.toLocaleString('en-US')}, got "${value}"`);
  return n;
}

/**
 * The values of a filter option: comma separated, `\,` for a comma inside a
 * value (a country such as "Korea\, Republic of"), each occurrence of a
 * repeated option adding its own; an empty value is a usage error, never a
 * dropped filter.
 */
export function filterValues(name: string, raw: string | string[] | undefined): string[] {
  if (raw === undefined) return [];
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((r) => r.split(/(?<!\\),/).map((v) => v.replaceAll('\\,', ',').trim()));
  if (values.some((v) => v === '')) throw new UsageError(`${name}: an empty value in "${(Array.isArray(raw) ? raw : [raw]).join('", "')}"; give one or more values, comma separated (\\, for a comma inside one)`);
  return values;
}

/** The WHERE conditions and bound values of a list (every value bound, never pasted). */
export function listFilter(what: string, o: ListOptions): { where: string[]; params: Record<string, string | number> } {
  if (!LISTS.includes(what) && !(ACTIONS as readonly string[]).includes(what)) throw new UsageError(`list: unknown list "${what}"; expected at-risk-vip, ambassador or one of ${ACTIONS.join(', ')}`);
  const levels = filterValues('--risk', o.risk);
  const bad = levels.filter((l) => !['low', 'medium', 'high'].includes(l));
  const tiers = filterValues('--tier', o.tier);
  if (bad.length) throw new UsageError(`--risk: unknown level(s) ${bad.join(', ')}; expected low, medium, high`);
  if (tiers.some((t) => !/^[1-5]$/.test(t))) throw new UsageError(`--tier: expected numbers 1 to 5, got "${o.tier}"`);
  const params: Record<string, string | number> = {};
  const inList = (column: string, values: string[], prefix: string) => {
    values.forEach((v, i) => (params[`${prefix}${i}`] = v));
    return `${column} IN (${values.map((_, i) => `$${prefix}${i}`).join(', ')})`;
  };
  // Ambassadors are invited to a programme, not contacted for an action: is_ambassador already leaves out the opted-out.
  const where = what === 'ambassador' ? ['s.is_ambassador'] : ['s.contact'];
  if (what === 'at-risk-vip') where.push('s.is_vip', inList('s.churn_risk', levels, 'risk'));
  else if (what !== 'ambassador') where.push(inList('s.action', [what], 'action'));
  if (tiers.length) where.push(inList('CAST(s.value_tier AS VARCHAR)', tiers, 'tier'));
  const segments = filterValues('--segment', o.segment);
  if (segments.length) where.push(inList('s.segment', segments, 'segment'));
  const countries = filterValues('--country', o.country);
  if (countries.length) where.push(inList('c.country', countries, 'country'));
  const personas = filterValues('--persona', o.persona);
  if (personas.length) where.push(inList('s.persona', personas, 'persona'));
  if (o.top) params.top = o.top;
  return { where, params };
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

/** A list's query: its rows from the published scores, its order, and the values bound to them. */
export interface ListQuery {
  /** SELECT ... FROM ... WHERE ...: the list's customers, unordered. */
  from: string;
  /** The list's order (before the customer_id that breaks ties). */
  order: string;
  params: Record<string, string | number>;
  /** The columns of the published scores. */
  columns: Set<string>;
}

/**
 * The query behind `fidelio list <what>` on an open database (the working
 * database or the published copy): which customers, in what order. `fidelio
 * serve` pages and sorts the same query, so its lists are the command's.
 */
export async function listQuery(db: Database, path: string, what: string, o: ListOptions): Promise<ListQuery> {
  const { where, params } = listFilter(what, o);
  const scores = await publishedScores(db, path);
  const withCountry = await db.hasTable('customers');
  if (!withCountry && o.country?.length) throw new InputError(`${path} holds no countries: filter by --country on the working database`);
  const published = new Set((await db.all<{ column_name: string }>(`DESCRIBE ${scores}`)).map((c) => c.column_name));
  if (what === 'ambassador' && !published.has('is_ambassador')) {
    throw new InputError(`${path}: its published scores come from a version of fidelio without ambassadors; run "fidelio run" again to publish them`);
  }
  if (o.persona && !published.has('persona')) throw new InputError(`${path}: its published scores come from a version of fidelio without personas; run "fidelio run" again to publish them`);
  // Ambassadors by their own value and that of the customers they brought; an action's customers in its priority
  // (what a contact keeps, as the budget ranks them); the at-risk VIPs by what is at stake if they stay
  // (value_if_retained x churn). Publications from before those columns: value score, value at risk.
  const order = what === 'ambassador' ? (published.has('referred_value') ? 's.value_score + s.referred_value DESC' : 's.value_score DESC')
    : what === 'at-risk-vip' ? (published.has('value_if_retained') ? 's.value_if_retained * s.churn_probability DESC' : 's.value_at_risk DESC') : 's.action_priority';
  const from = `${readSql('cli/list_customers.sql').replace('/*scores*/', scores).replace('/*customers*/', withCountry ? 'LEFT JOIN customers c USING (customer_id)' : '')}
          WHERE ${where.join(' AND ')}`;
  return { from, order, params, columns: published };
}

/** What `fidelio list <what>` writes (CSV or JSON) from an open database: the one writer of a list, for the command and the page's download. */
export async function listText(db: Database, path: string, what: string, o: ListOptions): Promise<string> {
  const { from, order, params } = await listQuery(db, path, what, o);
  const query = `${from} ORDER BY ${order}, s.customer_id ${o.top ? 'LIMIT $top' : ''}`;
  const rows = await db.all(query, params);
  // The header even when nothing matches: a spreadsheet or a script still sees the columns.
  const columns = rows[0] ? Object.keys(rows[0]) : (await db.all<{ column_name: string }>(`DESCRIBE ${query}`, params)).map((c) => c.column_name);
  return o.format === 'json'
    ? JSON.stringify(rows, null, 2) + '\n'
    : [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\n') + '\n';
}

/** `fidelio list`: the customers to contact from the last published scores, as CSV or JSON. */
export function listCommand(program: Command, stdout: Stdout): void {
  program
    .command('list')
    .argument('<what>', 'at-risk-vip, ambassador, or an action: save, surprise, grow, nurture, win_back')
    .description('customers to contact from the last published scores: at-risk-vip (VIPs whose churn_risk is medium or high, most value at stake first: value_if_retained x churn_probability), the customers of an action (in its action_priority: most value kept first), or ambassador (to invite into a refer-a-friend programme, most valuable first, counting the value of the customers they referred). Opted-out and control-group customers never appear; nor, in the action lists and at-risk-vip, cooldown and over-budget ones.')
    .option('--top <n>', 'how many (default all)', topCount)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--risk <levels>', 'at-risk-vip: churn_risk levels to include, comma separated', 'medium,high')
    .option('--tier <tiers>', 'only these value tiers, comma separated (1 = top)')
    .option('--segment <segments>', 'only these segments, comma separated')
    .option('--country <countries>', 'only these countries (from the customers input), comma separated (\\, for a comma inside a name); repeatable', collect)
    .option('--persona <names>', 'only these personas (the persona column), comma separated')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--db <file>', 'the working database (default data/fidelio.duckdb) or the published copy (fidelio.duckdb in the output folder)')
    .option('--config <file>', 'configuration file')
    .action(async (what: string, o: ListOptions) => {
      listFilter(what, o);
      const config = loadConfig(o.config, { db: o.db } as ConfigInput);
      if (!existsSync(config.db)) throw new InputError(`${config.db} does not exist: run "fidelio run" first, or point --db at a fidelio database`);
      const db = await Database.open(config.db, { readOnly: true });
      try {
        const text = await listText(db, config.db, what, o);
        if (o.out) writeOutput(o.out, text);
        else stdout(text);
      } finally {
        db.close();
      }
    });
}
