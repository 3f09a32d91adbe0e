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
