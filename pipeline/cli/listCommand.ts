import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { readSql } from '../db/sqlFile.js';
import { UsageError } from '../errors.js';
import { csvLine } from '../shared/csv.js';
import { integer, type Stdout } from './options.js';
import { withRunDatabase } from './runDatabase.js';

const ACTIONS = ['save', 'surprise', 'grow', 'nurture', 'win_back'];

interface ListOptions {
  top?: number;
  format: 'csv' | 'json';
  risk: string;
  tier?: string;
  segment?: string;
  country?: string;
  out?: string;
  db?: string;
  config?: string;
}

const split = (v: string | undefined) => (v === undefined ? [] : v.split(',').map((x) => x.trim()).filter(Boolean));

/** The WHERE conditions and bound values of a list (every value bound, never pasted). */
export function listFilter(what: string, o: ListOptions): { where: string[]; params: Record<string, string | number> } {
  if (what !== 'at-risk-vip' && !ACTIONS.includes(what)) throw new UsageError(`list: unknown list "${what}"; expected at-risk-vip or one of ${ACTIONS.join(', ')}`);
  const levels = split(o.risk);
  const bad = levels.filter((l) => !['low', 'medium', 'high'].includes(l));
  const tiers = split(o.tier);
  if (bad.length) throw new UsageError(`--risk: unknown level(s) ${bad.join(', ')}; expected low, medium, high`);
  if (tiers.some((t) => !/^[1-5]$/.test(t))) throw new UsageError(`--tier: expected numbers 1 to 5, got "${o.tier}"`);
  const params: Record<string, string | number> = {};
  const inList = (column: string, values: string[], prefix: string) => {
    values.forEach((v, i) => (params[`${prefix}${i}`] = v));
    return `${column} IN (${values.map((_, i) => `$${prefix}${i}`).join(', ')})`;
  };
  const where = ['s.contact'];
  if (what === 'at-risk-vip') where.push('s.is_vip', inList('s.churn_risk', levels, 'risk'));
  else where.push(inList('s.action', [what], 'action'));
  if (tiers.length) where.push(inList('CAST(s.value_tier AS VARCHAR)', tiers, 'tier'));
  if (split(o.segment).length) where.push(inList('s.segment', split(o.segment), 'segment'));
  if (split(o.country).length) where.push(inList('c.country', split(o.country), 'country'));
  if (o.top) params.top = o.top;
  return { where, params };
}

/** `fidelio list`: the customers to contact, as CSV or JSON. */
export function listCommand(program: Command, stdout: Stdout): void {
  program
    .command('list')
    .argument('<what>', 'at-risk-vip, or an action: save, surprise, grow, nurture, win_back')
    .description('customers to contact from the last published scores, highest value at risk first: at-risk-vip (VIPs whose churn_risk is medium or high) or the customers of an action. Opted-out, control-group, cooldown and over-budget customers never appear.')
    .option('--top <n>', 'how many (default all)', integer('--top'))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--risk <levels>', 'at-risk-vip: churn_risk levels to include, comma separated', 'medium,high')
    .option('--tier <tiers>', 'only these value tiers, comma separated (1 = top)')
    .option('--segment <segments>', 'only these segments, comma separated')
    .option('--country <countries>', 'only these countries (from the customers input), comma separated')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--db <file>', 'DuckDB database file (default data/fidelio.duckdb)')
    .option('--config <file>', 'configuration file')
    .action(async (what: string, o: ListOptions) => {
      const { where, params } = listFilter(what, o);
      await withRunDatabase(o, 'customer_scores', async (db) => {
        const rows = await db.all(
          `${readSql('cli/list_customers.sql')} WHERE ${where.join(' AND ')} ORDER BY s.value_at_risk DESC, s.customer_id ${o.top ? 'LIMIT $top' : ''}`,
          params,
        );
        const columns = rows[0] ? Object.keys(rows[0]) : [];
        const text = o.format === 'json'
          ? JSON.stringify(rows, null, 2) + '\n'
          : [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\n') + '\n';
        if (o.out) writeFileSync(o.out, text);
        else stdout(text);
      });
    });
}
