import { afterAll, beforeAll, expect, test } from 'vitest';
import { listQuery, listText, topCount } from '../../pipeline/cli/listCommand.js';
import { campaignCustomers, campaignFields, campaignForm } from '../../pipeline/serve/campaignPages.js';
import { listOptions } from '../../pipeline/serve/listPage.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { INFO, onPublication } from '../helpers/servedPages.js';

const lists = { listQuery, listText, topCount };
let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('the fields: trimmed name, a known channel, a real day, a cost with a point or a decimal comma', () => {
  expect(campaignFields({ campaign: '  Winter  ', channel: 'sms', day: '2026-12-01', cost: '1,5' })).toEqual({ campaign: 'Winter', channel: 'sms', day: '2026-12-01', cost: 1.5 });
  expect(() => campaignFields({ campaign: 'x', channel: 'sms', day: '2026-13-01', cost: '1' })).toThrow(/the day sent as YYYY-MM-DD/);
  expect(() => campaignFields({ campaign: 'x'.repeat(201), channel: 'fax', day: '2026-12-01', cost: '1e3' })).toThrow(/a campaign name of 1 to 200 characters; a channel among .*; a cost per contact/);
});

test('the first N of a filtered list are its first N rows as fidelio list writes them; ids must be on it', async () => {
  await onPublication(f, async (db, path) => {
    const all = JSON.parse(await listText(db, path, 'at-risk-vip', listOptions({ risk: 'low,medium,high' }, 'json'))) as { customer_id: string; action: string }[];
    const got = await campaignCustomers(lists, db, path, { list: 'at-risk-vip', risk: 'low,medium,high', top: '3' });
    expect(got.map((r) => r.customer_id).sort()).toEqual(all.slice(0, 3).map((r) => r.customer_id).sort());
    expect(got.every((r) => all.find((a) => a.customer_id === r.customer_id)!.action === r.action)).toBe(true);
    await expect(campaignCustomers(lists, db, path, { list: 'at-risk-vip', top: '0' })).rejects.toThrow(/give the number of the list's first customers/);
    await expect(campaignCustomers(lists, db, path, { list: 'at-risk-vip', ids: 'C999\nC998' })).rejects.toThrow('not on the list at-risk-vip with these filters: C999, C998');
  });
});

test('the form carries the list, its filters and the token, escaped', async () => {
  await onPublication(f, async (db, path) => {
    const html = String(await campaignForm(lists, db, path, 'save', { segment: 'x" onfocus="alert(1)' }, INFO, 'tok', '2026-10-02'));
    expect(html).toContain('<input type="hidden" name="csrf" value="tok">');
    expect(html).toContain('<input type="hidden" name="segment" value="x&quot; onfocus=&quot;alert(1)">');
    expect(html).toContain('value="2026-10-02"');
    expect(html).toContain("this list's 0 customers");
  });
});
