import { html, raw } from 'hono/html';
import { ident, type Database } from '../db/Database.js';
import { UsageError } from '../errors.js';
import type { ListFilters, ListFunctions } from './lists.js';
import { LIST_NAMES, money, num, page, pct, type Html, type PublicationInfo } from './layout.js';

/** The columns a phone leaves out (the customer's page has them). */
const WIDE = ['persona', 'predicted_clv_12m', 'value_if_retained', 'expected_value_retained'];

/** Rows a list page shows at once. */
export const PAGE_SIZE = 50;

/** The columns a list can be sorted by (besides its own order), with their labels. */
export const SORTABLE: Record<string, string> = {
  customer_id: 'Customer', value_tier: 'Tier', segment: 'Segment', persona: 'Persona', churn_probability: 'Churn',
  predicted_clv_12m: 'CLV 12m', value_if_retained: 'If retained', value_at_risk: 'Value at risk', expected_value_retained: 'Expected retained', days_since_last_order: 'Days since order',
};

/** The filters of a list page, as its query string gives them (each checked by `fidelio list`'s own rules). */
export interface ListRequest {
  tier?: string;
  segment?: string;
  persona?: string;
  country?: string;
  risk?: string;
  sort?: string;
  dir?: string;
  page?: string;
}

/** The list options of a request: the page's filters are `fidelio list`'s options, checked by the same rules. */
export function listOptions(q: ListRequest, format: 'csv' | 'json' = 'csv', top?: number): ListFilters {
  const o: ListFilters = { format, risk: q.risk || 'medium,high' };
  if (q.tier) o.tier = q.tier;
  // A segment, persona or country is one value of the page's select: a comma inside it is part of the name (`\,`, as on the command line).
  const one = (v: string) => v.replaceAll(',', '\\,');
  if (q.segment) o.segment = one(q.segment);
  if (q.persona) o.persona = one(q.persona);
  if (q.country) o.country = [one(q.country)];
  if (top !== undefined) o.top = top;
  return o;
}

type Choices = { segments: string[]; personas: string[]; countries: string[] };
/** A publication never changes: its filters' values are read once per open release. */
const choiceCache = new WeakMap<Database, Promise<Choices>>();

/** The values each filter offers, from the publication. */
function choices(db: Database): Promise<Choices> {
  let cached = choiceCache.get(db);
  if (!cached) {
    cached = readChoices(db);
    choiceCache.set(db, cached);
    cached.catch(() => choiceCache.delete(db));
  }
  return cached;
}

async function readChoices(db: Database): Promise<Choices> {
  const col = async (sql: string) => (await db.all<{ v: string }>(sql)).map((r) => r.v);
  return {
    segments: await col('SELECT DISTINCT segment AS v FROM customer_scores WHERE segment IS NOT NULL ORDER BY 1'),
    personas: await col('SELECT DISTINCT persona AS v FROM customer_scores WHERE persona IS NOT NULL ORDER BY 1'),
    countries: (await db.hasTable('customers')) ? await col('SELECT DISTINCT country AS v FROM customers WHERE country IS NOT NULL ORDER BY 1') : [],
  };
}

/**
 * `/lists/<name>`: the customers of `fidelio list <name>` (the same query,
 * listQuery), in its order unless a column is chosen, filtered and paged.
 * The sort column comes from a fixed set and is quoted; every value is bound.
 */
export async function listPage(lists: ListFunctions, db: Database, path: string, name: string, q: ListRequest, info: PublicationInfo): Promise<Html> {
  const label = LIST_NAMES.find((l) => l.name === name)?.label ?? name;
  const o = listOptions(q);
  const { from, order, params, columns, ranking } = await lists.listQuery(db, path, name, o);
  if (q.sort !== undefined && q.sort !== '' && !(q.sort in SORTABLE && columns.has(q.sort))) throw new UsageError(`sort: unknown column "${q.sort}"; expected one of ${Object.keys(SORTABLE).join(', ')}`);
  if (q.dir !== undefined && q.dir !== '' && q.dir !== 'asc' && q.dir !== 'desc') throw new UsageError(`dir: expected asc or desc, got "${q.dir}"`);
  const pageNo = q.page === undefined || q.page === '' ? 1 : /^\d{1,7}$/.test(q.page) && Number(q.page) >= 1 ? Number(q.page) : NaN;
  if (!Number.isFinite(pageNo)) throw new UsageError(`page: expected a whole number from 1, got "${q.page}"`);
  const sort = q.sort ? `s.${ident(q.sort)} ${q.dir === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, ` : '';
  const total = Number(await db.value(`SELECT count(*) FROM (${from})`, params));
  const rows = await db.all(`${from} ORDER BY ${sort}${order}, s.customer_id LIMIT $page_rows OFFSET $page_start`, { ...params, page_rows: PAGE_SIZE, page_start: (pageNo - 1) * PAGE_SIZE });
  const c = await choices(db);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const query = (extra: Record<string, string | number | undefined>) => {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries({ tier: q.tier, segment: q.segment, persona: q.persona, country: q.country, risk: q.risk, sort: q.sort, dir: q.dir, ...extra })) if (v !== undefined && v !== '') u.set(k, String(v));
    const s = u.toString();
    return s ? `?${s}` : '';
  };
  const select = (key: keyof ListRequest, title: string, values: string[], labels?: (v: string) => string) => html`<label>${title}<select name="${key}"><option value="">all</option>${values.map((v) => html`<option value="${v}"${q[key] === v ? raw(' selected') : ''}>${labels ? labels(v) : v}</option>`)}</select></label>`;
  const sortLink = (col: string) => {
    const dir = q.sort === col && q.dir !== 'asc' ? 'asc' : 'desc';
    const mark = q.sort === col ? (q.dir === 'asc' ? ' ▲' : ' ▼') : '';
    return html`<a href="${query({ sort: col, dir, page: undefined })}">${SORTABLE[col]}${mark}</a>`;
  };
  const cur = info.currency;
  // The column the list ranks by, under the name `fidelio list` gives it (its currency code appended), always shown.
  const rankedBy = /^[A-Z]{3}$/.test(cur) ? `${ranking.column}_${cur}` : ranking.column;
  return page(label, name, info, html`
<h1>${label} <small>${num(total)} customer${total === 1 ? '' : 's'}</small></h1>
<p class="lead">${description(name)}</p>
<form class="filters" method="get" action="/lists/${name}">
${select('tier', 'Tier', ['1', '2', '3', '4', '5'])}
${select('segment', 'Segment', c.segments)}
${select('persona', 'Persona', c.personas)}
${c.countries.length ? select('country', 'Country', c.countries) : ''}
${name === 'at-risk-vip' ? html`<label>Churn risk<select name="risk">${[['medium,high', 'medium or high'], ['high', 'high'], ['medium', 'medium'], ['low', 'low'], ['low,medium,high', 'any']].map(([v, l]) => html`<option value="${v}"${(q.risk || 'medium,high') === v ? raw(' selected') : ''}>${l}</option>`)}</select></label>` : ''}
${q.sort ? html`<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="dir" value="${q.dir ?? ''}">` : ''}
<button>Filter</button> <a href="/lists/${name}">Clear</a></form>
<p class="actions"><a class="button" href="/lists/${name}${query({ format: 'csv', sort: undefined, dir: undefined })}" download>Download CSV</a>
<a class="button" href="/lists/${name}/campaign${query({ sort: undefined, dir: undefined })}">Record a campaign sent to this list</a>
${q.sort ? html`<a href="${query({ sort: undefined, dir: undefined })}">Back to the list's order</a>` : ''}</p>
<p class="muted">Ranked by <b>${rankedBy}</b>: ${ranking.meaning}.</p>
<div class="scroll"><table class="list"><thead><tr><th class="n">#</th>${['customer_id', 'value_tier', 'segment', 'persona', 'churn_probability'].map((col) => html`<th class="${[/_id|segment|persona/.test(col) ? '' : 'n', WIDE.includes(col) ? 'wide' : ''].join(' ').trim()}">${sortLink(col)}</th>`)}<th class="n ranking" title="${ranking.meaning}">${rankedBy}</th>${['predicted_clv_12m', 'value_if_retained', 'expected_value_retained'].map((col) => html`<th class="n wide">${sortLink(col)}</th>`)}<th>Action</th><th class="wide">Why</th></tr></thead><tbody>
${rows.map((r, i) => html`<tr><td class="n">${num((pageNo - 1) * PAGE_SIZE + i + 1)}</td><td class="who"><a href="/customers/${encodeURIComponent(String(r.customer_id))}">${String(r.customer_id)}</a>${r.is_vip ? html` <span class="tag">VIP</span>` : ''}</td>
<td class="n">${String(r.value_tier)}</td><td>${String(r.segment ?? '')}</td><td class="persona wide">${String(r.persona ?? '')}</td><td class="n">${pct(r.churn_probability, 1)} <span class="tag ${String(r.churn_risk)}">${String(r.churn_risk)}</span></td>
<td class="n ranking">${money(r.list_ranking, cur, 2)}</td><td class="n wide">${money(r.predicted_clv_12m, cur)}</td><td class="n wide">${money(r.value_if_retained, cur)}</td><td class="n wide">${money(r.expected_value_retained, cur)}</td><td>${String(r.action)}</td><td class="why wide">${String(r.reasons ?? '')}</td></tr>`)}
</tbody></table></div>
${total === 0 ? html`<p>No customer matches these filters.</p>` : ''}
<nav class="pager" aria-label="Pages">${pageNo > 1 ? html`<a href="${query({ page: pageNo - 1 })}">← Previous</a>` : ''} <span>Page ${pageNo} of ${pages}</span> ${pageNo < pages ? html`<a href="${query({ page: pageNo + 1 })}">Next →</a>` : ''}</nav>`);
}

function description(name: string): string {
  if (name === 'at-risk-vip') return 'VIPs whose churn risk is medium or high, to save or win back (not those who bought within half their usual gap: too recent to be at risk), most worth saving first: by the value a contact can keep, never more than the 12-month CLV. Opted-out, control-group, cooldown and over-budget customers are left out.';
  if (name === 'ambassador') return 'Customers to invite into a refer-a-friend programme, most valuable first (counting the value of the customers they referred).';
  return `The customers the budget contacts for "${name}", in its priority (most value kept first). Control-group, opted-out and cooldown customers are left out.`;
}
