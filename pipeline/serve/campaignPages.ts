import { listValue } from '@duckdb/node-api';
import { html } from 'hono/html';
import type { Database, Row } from '../db/Database.js';
import { UsageError } from '../errors.js';
import { LIST_NAMES, money, num, page, type Html, type PublicationInfo } from './layout.js';
import { listOptions, type ListRequest } from './listPage.js';
import type { ListFunctions } from './lists.js';

/** The channels a campaign is sent through. */
export const CHANNELS = ['email', 'sms', 'phone', 'mail', 'push', 'in_store', 'other'];
/** The most customers one campaign records. */
const MAX_CUSTOMERS = 1_000_000;

/** The form of a campaign, as posted. */
export interface CampaignForm extends ListRequest {
  list?: string;
  campaign?: string;
  channel?: string;
  day?: string;
  cost?: string;
  top?: string;
  ids?: string;
  csrf?: string;
  /** The run whose publication the form was made from. */
  run?: string;
}

/** `/lists/<name>/campaign`: the form that records what was sent to a list. */
export async function campaignForm(lists: ListFunctions, db: Database, path: string, name: string, q: ListRequest, info: PublicationInfo, csrf: string, today: string): Promise<Html> {
  const { from, params } = await lists.listQuery(db, path, name, listOptions(q));
  const total = Number(await db.value(`SELECT count(*) FROM (${from})`, params));
  const label = LIST_NAMES.find((l) => l.name === name)?.label ?? name;
  const hidden = (['tier', 'segment', 'persona', 'country', 'risk'] as const).map((k) => (q[k] ? html`<input type="hidden" name="${k}" value="${q[k]}">` : ''));
  const filters = (['tier', 'segment', 'persona', 'country', 'risk'] as const).filter((k) => q[k]).map((k) => `${k} ${q[k]}`).join(', ');
  return page(`Record a campaign: ${label}`, name, info, html`
<h1>Record a campaign <small>${label}${filters ? ` (${filters})` : ''}</small></h1>
<p class="lead">Say which of this list's ${num(total)} customers you actually contacted, how and when. fidelio stores them as contacts in its working database, for measuring what the campaign kept against the customers it was not sent to.</p>
<form class="campaign" method="post" action="/campaigns">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="list" value="${name}"><input type="hidden" name="run" value="${info.runId}">${hidden}
<label>Campaign name<input name="campaign" required maxlength="200" placeholder="e.g. December win-back email"></label>
<label>Channel<select name="channel">${CHANNELS.map((c) => html`<option>${c}</option>`)}</select></label>
<label>Day sent<input type="date" name="day" required value="${today}"></label>
<label>Cost per contact (${info.currency})<input name="cost" required inputmode="decimal" value="0"></label>
<label>How many of the list's first customers you contacted (its CSV download with that many rows)<input name="top" inputmode="numeric" value="${String(Math.min(total, 100))}"></label>
<label>Or only these customer ids, one a line (leave empty to record the first ones above)<textarea name="ids" rows="5"></textarea></label>
<button>Record the campaign</button></form>`);
}

/**
 * A posted campaign checked against the list it names: the first `top`
 * customers of the list, or the ids given, each of which must be on it (an
 * id that is not is refused by name: a contact the list did not propose is
 * not measured as its action's). Returns the customers with their action.
 */
export async function campaignCustomers(lists: ListFunctions, db: Database, path: string, f: CampaignForm): Promise<{ customer_id: string; action: string | null }[]> {
  const name = f.list ?? '';
  const { from, order, params } = await lists.listQuery(db, path, name, listOptions(f));
  const ids = (f.ids ?? '').split(/[\r\n]+/).map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length) {
    if (ids.length > MAX_CUSTOMERS) throw new UsageError(`at most ${MAX_CUSTOMERS.toLocaleString('en-US')} customers in one campaign`);
    const rows = await db.all<Row & { customer_id: string; action: string | null }>(`SELECT customer_id, action FROM (${from}) WHERE customer_id IN (SELECT unnest($ids))`, { ...params, ids: listValue(ids) });
    const found = new Set(rows.map((r) => r.customer_id));
    const missing = [...new Set(ids.filter((i) => !found.has(i)))];
    if (missing.length) throw new UsageError(`not on the list ${name} with these filters: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
    return rows.map((r) => ({ customer_id: r.customer_id, action: r.action }));
  }
  const top = /^\d{1,7}$/.test((f.top ?? '').trim()) ? Number(f.top!.trim()) : NaN;
  if (!(top >= 1 && top <= MAX_CUSTOMERS)) throw new UsageError(`customers contacted: give the number of the list's first customers (1 or more), or their ids; got "${f.top ?? ''}"`);
  return db.all<Row & { customer_id: string; action: string | null }>(`SELECT customer_id, action FROM (${from} ORDER BY ${order}, s.customer_id LIMIT $top_n)`, { ...params, top_n: top });
}

/** The campaign's fields, checked: a name, a known channel, a day, a cost of zero or more. */
export function campaignFields(f: CampaignForm): { campaign: string; channel: string; day: string; cost: number } {
  const problems: string[] = [];
  const campaign = (f.campaign ?? '').trim();
  if (!campaign || campaign.length > 200) problems.push('a campaign name of 1 to 200 characters');
  const channel = f.channel ?? '';
  if (!CHANNELS.includes(channel)) problems.push(`a channel among ${CHANNELS.join(', ')}`);
  const day = f.day ?? '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) problems.push('the day sent as YYYY-MM-DD');
  const costText = (f.cost ?? '').trim().replace(',', '.');
  const cost = /^\d{1,9}(\.\d{1,4})?$/.test(costText) ? Number(costText) : NaN;
  if (!Number.isFinite(cost)) problems.push('a cost per contact of 0 or more (e.g. 0.35)');
  if (problems.length) throw new UsageError(`the campaign needs ${problems.join('; ')}`);
  return { campaign, channel, day, cost };
}

/** `/campaigns`: the campaigns recorded, newest first. */
export function campaignsPage(campaigns: Row[], info: PublicationInfo, recorded: string | undefined, busy: string | undefined): Html {
  return page('Campaigns', 'campaigns', info, html`
<h1>Campaigns</h1>
${recorded ? html`<p class="done" role="status">Recorded campaign <strong>${recorded}</strong>.</p>` : ''}
<p class="lead">The campaigns marketing recorded as sent, from a list's page ("Record a campaign sent to this list").</p>
${busy ? html`<p class="problem">${busy}</p>` : campaigns.length ? html`<div class="scroll"><table id="campaigns"><thead><tr><th>Day</th><th>Campaign</th><th>List</th><th>Channel</th><th class="n">Customers</th><th class="n">Cost</th><th>Publication</th></tr></thead><tbody>
${campaigns.map((c) => html`<tr data-id="${String(c.campaign_id)}"><td>${String(c.contacted_on)}</td><td>${String(c.campaign)}</td><td><a href="/lists/${String(c.list_name)}">${String(c.list_name)}</a></td><td>${String(c.channel)}</td><td class="n">${num(c.customers)}</td><td class="n">${money(c.cost, String(c.currency ?? info.currency), 2)}</td><td>as of ${String(c.as_of)}</td></tr>`)}
</tbody></table></div>` : html`<p>No campaign recorded yet.</p>`}`);
}
