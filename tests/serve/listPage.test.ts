import { afterAll, beforeAll, expect, test } from 'vitest';
import { listQuery, listText, topCount } from '../../pipeline/cli/listCommand.js';
import { UsageError } from '../../pipeline/errors.js';
import { listOptions, listPage, PAGE_SIZE } from '../../pipeline/serve/listPage.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { INFO, onPublication } from '../helpers/servedPages.js';

const lists = { listQuery, listText, topCount };
let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('the page\'s filters become fidelio list\'s options; a comma inside a name stays part of it', () => {
  expect(listOptions({})).toEqual({ format: 'csv', risk: 'medium,high' });
  expect(listOptions({ tier: '1', segment: 'loyal', persona: 'a, b', country: 'Korea, Republic of', risk: 'high' }, 'json', 5))
    .toEqual({ format: 'json', risk: 'high', tier: '1', segment: 'loyal', persona: 'a\\, b', country: ['Korea\\, Republic of'], top: 5 });
});

test('a sorted page: descending by value if retained, ties in the list\'s order; the count is the whole list\'s', async () => {
  await onPublication(f, async (db, path) => {
    const html = String(await listPage(lists, db, path, 'save', { sort: 'value_if_retained', dir: 'desc' }, INFO));
    const all = JSON.parse(await listText(db, path, 'save', listOptions({}, 'json'))) as { customer_id: string; value_if_retained: number }[];
    expect(html).toContain(`<small>${all.length} customers</small>`);
    const shown = [...html.matchAll(/<td class="who"><a href="\/customers\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]!));
    expect(shown).toEqual([...all].sort((a, b) => b.value_if_retained - a.value_if_retained).map((r) => r.customer_id).slice(0, PAGE_SIZE));
    expect(html).toContain('Page 1 of 1');
    const second = String(await listPage(lists, db, path, 'save', { page: '2' }, INFO));
    expect(second).toContain('Page 2 of 1');
    expect(second).not.toContain('<td class="who">');
  });
});

test('a sort column outside the fixed set is refused before any SQL', async () => {
  await onPublication(f, async (db, path) => {
    await expect(listPage(lists, db, path, 'save', { sort: 'customer_id" --' }, INFO)).rejects.toThrow(UsageError);
    await expect(listPage(lists, db, path, 'save', { sort: 'historic_value' }, INFO)).rejects.toThrow(/sort: unknown column "historic_value"/);
  });
});

test('the page shows the column its list ranks by, under the name fidelio list gives it, with the same figures; churn to a tenth of a percent', async () => {
  await onPublication(f, async (db, path) => {
    // The fixture has no value_kept: at-risk-vip ranks by value at stake, save by value at risk, ambassador with referrals.
    for (const [name, column] of [['at-risk-vip', 'value_at_stake_EUR'], ['save', 'value_at_risk_EUR'], ['ambassador', 'value_with_referrals_EUR']] as const) {
      const html = String(await listPage(lists, db, path, name, {}, INFO));
      const cli = JSON.parse(await listText(db, path, name, listOptions({}, 'json'))) as Record<string, number>[];
      expect(cli.length).toBeGreaterThan(1);
      // at-risk-vip and ambassador are in that column's order, descending (an action's list in its action_priority, the fixture's own).
      if (name !== 'save') expect(cli.map((r) => r[column])).toEqual([...cli.map((r) => r[column]!)].sort((a, b) => b - a));
      expect(html).toContain(`>${column}</th>`);
      expect(html).toContain(`Ranked by <b>${column}</b>`);
      // expected_value_retained (before the contact's cost) is not headed "Value kept", the glossary's name of value_kept (after it).
      expect(html).toContain('dir=desc">Expected retained</a></th>');
      expect(html).not.toContain('>Value kept');
      const shown = [...html.matchAll(/<td class="n ranking">([^<]+)<\/td>/g)].map((m) => m[1]);
      expect(shown).toEqual(cli.map((r) => `${r[column]!.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} EUR`));
      const churn = [...html.matchAll(/<td class="n">([0-9.]+%) <span class="tag/g)].map((m) => m[1]);
      expect(churn).toEqual(cli.map((r) => `${r.churn_probability_pct!.toFixed(1)}%`));
    }
  });
});
