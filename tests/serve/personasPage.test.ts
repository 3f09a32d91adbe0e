import { afterAll, beforeAll, expect, test } from 'vitest';
import { effectsPage, personasPage } from '../../pipeline/serve/personasPage.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { INFO, onPublication } from '../helpers/servedPages.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('each persona with its description and figures, its name escaped', async () => {
  const html = await onPublication(f, async (db) => String(await personasPage(db, INFO)));
  expect((html.match(/<section class="persona-card"/g) ?? []).length).toBe(3);
  // persona_id = 1 + i % 3: i = 3, 6, ..., 39 are persona 1: 13 customers.
  expect(html).toContain('<h2>weekday web buyers</h2>');
  expect(html).toContain('<dt>Customers</dt><dd>13 (32.5% of all;');
  expect(html).toContain('<h2>&lt;i&gt;weekend&lt;/i&gt; shoppers</h2>');
  expect(html).toContain('href="/lists/at-risk-vip?persona=%3Ci%3Eweekend%3C%2Fi%3E%20shoppers"');
});

test('every measured effect in words, the one that does not pay marked', async () => {
  const html = await onPublication(f, async (db) => String(await effectsPage(db, INFO, 30)));
  expect(html).toContain('<li class="pays">save: +10.0 points of retention');
  expect(html).toContain('<li class="does_not_pay">surprise: +0.0 points of retention');
  expect(html).toContain('Not paying for itself: stop or change this action.');
  expect(html).toContain('<li class="pending">grow (run as of 2026-09-30): not measurable before 2026-12-29');
});
