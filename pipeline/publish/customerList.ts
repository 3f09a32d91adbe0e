import { ident as quoteIdent, type Database, type Row } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { UsageError } from '../errors.js';
import { ACTIONS } from '../shared/actionRate.js';
import { csvLine } from '../shared/csv.js';

/**
 * Who is an at-risk VIP, over the scores `s`: a VIP the scoring proposes to keep (save, or win back once lapsed).
 * A VIP at medium or high churn risk given neither bought within scoring.recentShare of their usual gap between
 * purchase days (customer_scores.sql's rule: too recent to save, whatever the score, so given surprise): a churn
 * score is the chance of no purchase within the horizon, high for a customer who buys every few months and bought
 * today, who is not at risk in a marketer's eyes. The report's and the overview's at-risk VIPs are these too.
 */
export const AT_RISK_VIP = "s.action IN ('save', 'win_back')";

/** The lists that are not an action's. */
export const LISTS = ['at-risk-vip', 'ambassador'] as const;

/**
 * A list's canonical name from what a user typed: hyphens and underscores
 * are the same (`win-back` is `win_back`, `at_risk_vip` is `at-risk-vip`),
 * case ignored; anything else is a usage error naming the lists.
 */
export function listName(typed: string): string {
  const key = typed.trim().toLowerCase().replaceAll('-', '_');
  const found = [...LISTS, ...ACTIONS].find((l) => l.replaceAll('-', '_') === key);
  if (!found) throw new UsageError(`list: unknown list "${typed}"; expected at-risk-vip, ambassador or one of ${ACTIONS.join(', ')} (hyphens or underscores alike)`);
  return found;
}

/** The filter options of a list (fidelio list's flags). */
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
  allColumns?: boolean;
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
export function listFilter(typed: string, o: ListOptions): { what: string; where: string[]; params: Record<string, string | number> } {
  const what = listName(typed);
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
  if (what === 'at-risk-vip') where.push('s.is_vip', inList('s.churn_risk', levels, 'risk'), AT_RISK_VIP);
  else if (what !== 'ambassador') where.push(inList('s.action', [what], 'action'));
  if (tiers.length) where.push(inList('CAST(s.value_tier AS VARCHAR)', tiers, 'tier'));
  const segments = filterValues('--segment', o.segment);
  if (segments.length) where.push(inList('s.segment', segments, 'segment'));
  const countries = filterValues('--country', o.country);
  if (countries.length) where.push(inList('c.country', countries, 'country'));
  const personas = filterValues('--persona', o.persona);
  if (personas.length) where.push(inList('s.persona', personas, 'persona'));
  return { what, where, params };
}

/** What a list is selected and ordered by. */
export interface ListSelection {
  /** The canonical list name (listName). */
  what: string;
  /** The WHERE conditions over `s` (the scores) and `c` (customers), values bound (listFilter). */
  where: string[];
  params: Record<string, string | number>;
  top?: number;
  /** Every published column (the contract's), not the campaign's columns. */
  allColumns?: boolean;
}

/** Where the scores are: the table (customer_scores in a run, published_scores after it) and whether a customers table is there. */
export interface ListSource {
  scores: string;
  customers: boolean;
}

/**
 * The figure each list ranks by, as SQL over the scores `s`, with the
 * column name the list shows it under (the currency's code appended) and
 * its meaning. The report shows the same column under the same name.
 */
export function rankingOf(what: string, published: ReadonlySet<string>): { column: string; sql: string; meaning: string } {
  if (what === 'ambassador') {
    return published.has('referred_value')
      ? { column: 'value_with_referrals', sql: 's.value_score + s.referred_value', meaning: "the customer's value score plus the value scores of the customers they referred" }
      : { column: 'value_score', sql: 's.value_score', meaning: "the customer's value score" };
  }
  // A customer almost surely gone has a large value at stake (their value if they stay, times a churn near 1)
  // that no save brings back: the VIPs most worth saving rank by what a contact can keep, which is never
  // more than the customer's 12-month CLV; the value at stake is shown beside it.
  if (what === 'at-risk-vip' && published.has('value_kept')) {
    return { column: 'value_kept', sql: 's.value_kept', meaning: "what a contact can keep: the value at stake (value_if_retained x churn_probability) times the action's save rate, never more than the 12-month CLV (a customer almost surely gone is worth at most what they are forecast to bring), less the cost of the contact" };
  }
  if (what === 'at-risk-vip') {
    return published.has('value_if_retained')
      ? { column: 'value_at_stake', sql: 's.value_if_retained * s.churn_probability', meaning: 'what the customer is worth over 12 months if they stay (value_if_retained) times the probability that they leave: the value lost if nothing is done' }
      : { column: 'value_at_risk', sql: 's.value_at_risk', meaning: '12-month CLV times churn probability' };
  }
  return published.has('value_kept')
    ? { column: 'value_kept', sql: 's.value_kept', meaning: "what a contact keeps: value at stake times the action's save rate, never more than the 12-month CLV, less the cost of the contact (the order of action_priority)" }
    : { column: 'value_at_risk', sql: 's.value_at_risk', meaning: '12-month CLV times churn probability' };
}

/** A list's order before the customer id that breaks ties: its ranking figure (an action's action_priority is that figure's order). */
export function rankOrder(what: string, published: ReadonlySet<string>): string {
  if (what !== 'ambassador' && what !== 'at-risk-vip' && published.has('action_priority')) return 's.action_priority';
  return `${rankingOf(what, published).sql} DESC`;
}

/** The ORDER BY of a list: rankOrder, then the customer id. */
function orderOf(what: string, published: ReadonlySet<string>): string {
  return `${rankOrder(what, published)}, s.customer_id`;
}

/**
 * The campaign's columns, each as SQL over `s` and `c`, present only where
 * the published scores (or the customers table) have what it needs: a
 * publication from an older version lists what it can. Figures rounded for
 * people: churn as a percentage with one decimal, money to the cent.
 */
function campaignColumns(what: string, published: ReadonlySet<string>, customerColumns: ReadonlySet<string>, currency: string | null): [string, string][] {
  const money = (name: string) => (currency ? `${name}_${currency}` : name);
  const ranking = rankingOf(what, published);
  const cols: [string, string, boolean][] = [
    ['customer_id', 's.customer_id', true],
    ['name', 'c.name', customerColumns.has('name')],
    ['email', 'c.email', customerColumns.has('email')],
    ['value_tier', 's.value_tier', published.has('value_tier')],
    ['segment', 's.segment', published.has('segment')],
    ['persona', 's.persona', published.has('persona')],
    ['churn_probability_pct', 'round(100 * s.churn_probability, 1)', published.has('churn_probability')],
    [money(ranking.column), `round(${ranking.sql}, 2)`, true],
    ...(ranking.column === 'value_kept' && published.has('value_if_retained')
      ? [[money('value_at_stake'), 'round(s.value_if_retained * s.churn_probability, 2)', true] as [string, string, boolean]] : []),
    [money('predicted_clv_12m'), 'round(s.predicted_clv_12m, 2)', published.has('predicted_clv_12m')],
    ['action', 's.action', published.has('action')],
    ['reasons', 's.reasons', published.has('reasons')],
    ['last_order_date', 'CAST(CAST(CAST(s.as_of AS DATE) - CAST(s.days_since_last_order AS INTEGER) AS DATE) AS VARCHAR)', published.has('as_of') && published.has('days_since_last_order')],
  ];
  return cols.filter(([, , present]) => present).map(([name, sql]) => [name, sql]);
}

/** A list's columns and rows, `priority` first (1 = the first of the customers listed). */
export interface CustomerList {
  columns: string[];
  rows: Row[];
  /** The ranking figure's column as the list shows it, and what it means. */
  ranking: { column: string; meaning: string };
}

/**
 * The one selection behind `fidelio list`, the report's lists and any page
 * that offers them: the rows of a list from a table of scores, in its
 * order, numbered 1.. among the customers shown, with the campaign's
 * columns (or every published one with allColumns).
 */
export async function selectList(db: Database, source: ListSource, sel: ListSelection): Promise<CustomerList> {
  const published = new Set((await db.all<{ column_name: string }>(`DESCRIBE ${quoteIdent(source.scores)}`)).map((c) => c.column_name));
  // A name or an email is shown when the customers input gave any ("when known"), not as an always-empty column.
  const customerColumns = new Set<string>();
  if (source.customers) {
    const have = new Set((await db.all<{ column_name: string }>('DESCRIBE customers')).map((c) => c.column_name));
    for (const c of ['name', 'email']) if (have.has(c) && Number(await db.value(`SELECT count(${quoteIdent(c)}) FROM customers`)) > 0) customerColumns.add(c);
  }
  const currency = published.has('currency') ? await db.value<string | null>(`SELECT any_value(currency) FROM ${quoteIdent(source.scores)}`) : null;
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : null;
  const columns = sel.allColumns ? [['*', 's.*'] as [string, string]] : campaignColumns(sel.what, published, customerColumns, code);
  const select = columns.map(([name, sql]) => (name === '*' ? sql : `${sql} AS ${quoteIdent(name)}`)).join(', ');
  const query = `${readSql('publish/list_customers.sql')
    .replace('/*columns*/', `row_number() OVER (ORDER BY ${orderOf(sel.what, published)}) AS priority, ${select}`)
    .replace('/*scores*/', quoteIdent(source.scores))
    .replace('/*customers*/', source.customers ? 'LEFT JOIN customers c USING (customer_id)' : '')}
    WHERE ${sel.where.join(' AND ')} ORDER BY priority ${sel.top ? 'LIMIT $top' : ''}`;
  const params = { ...sel.params, ...(sel.top ? { top: sel.top } : {}) };
  const rows = await db.all(query, params);
  // The header even when nothing matches: a spreadsheet or a script still sees the columns.
  const names = rows[0] ? Object.keys(rows[0]) : (await db.all<{ column_name: string }>(`DESCRIBE ${query}`, params)).map((c) => c.column_name);
  const ranking = rankingOf(sel.what, published);
  return { columns: names, rows, ranking: { column: code ? `${ranking.column}_${code}` : ranking.column, meaning: ranking.meaning } };
}

/** A list as CSV (formula-safe text, a header even when empty) or JSON: the bytes `fidelio list` prints. */
export function formatList(list: CustomerList, format: 'csv' | 'json'): string {
  if (format === 'json') return JSON.stringify(list.rows, null, 2) + '\n';
  return [csvLine(list.columns), ...list.rows.map((r) => csvLine(list.columns.map((c) => r[c])))].join('\n') + '\n';
}
