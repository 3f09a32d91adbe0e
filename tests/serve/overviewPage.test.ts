import { afterAll, beforeAll, expect, test } from 'vitest';
import { overviewPage } from '../../pipeline/serve/overviewPage.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { INFO, onPublication } from '../helpers/servedPages.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('the month\'s KPIs (the last whole month), today\'s actions and the measured effects, against the fixture computed by hand', async () => {
  const html = await onPublication(f, async (db) => String(await overviewPage(db, INFO, 30)));
  // Months i = 0..13 from 2025-08; i = 13 (2026-09) is partial, so the month is i = 12, 2026-08: revenue 1000 + 1200.
  expect(html).toContain('<div class="label">Revenue 2026-08</div><div class="value">2,200 EUR</div>');
  expect(html).toContain('<div class="value">22 of 40</div>');
  expect(html).toContain('<div class="value">3 of 16</div>');
  expect(html).toContain('<div class="value">+1.3%</div>');
  // At-risk VIPs by hand: tier <= 2, churn >= 0.3, given save or win_back (not surprise: too recent); those to contact: i % 7 != 0.
  let atRisk = 0; let toContact = 0; let atStake = 0; let saveKept = 0; let saveContact = 0; let saveControls = 0;
  for (let i = 1; i <= 40; i++) {
    const churn = ((i * 37) % 100) / 100; const tier = 1 + (i % 5); const action = ['save', 'surprise', 'grow', 'nurture', 'win_back', 'none'][i % 6];
    if (tier <= 2 && churn >= 0.3 && (action === 'save' || action === 'win_back')) { atRisk++; atStake += (1000 - 10 * i) * churn; if (i % 7 !== 0) toContact++; }
    if (action === 'save') { if (i % 7 !== 0) { saveContact++; saveKept += 50 - i; } else saveControls++; }
  }
  expect(html).toContain(`<div class="label">At-risk VIPs to contact</div><div class="value">${toContact}</div><div class="note">of ${atRisk} VIPs at medium or high risk to save or win back; their value at stake (value if retained x churn) ${Math.round(atStake).toLocaleString('en-US')} EUR`);
  expect(html).toContain(`<td><a href="/lists/save">save</a></td><td class="n">${saveContact}</td><td class="n">${saveControls}</td><td class="n">${saveKept} EUR</td>`);
  expect(html).toContain('save: +10.0 points of retention, 90% interval +5.0 to +15.0');
  // No save customer is held back in the fixture (controls are i % 7 = 0, saves i % 6 = 0): said in words, and only for it.
  expect(saveControls).toBe(0);
  expect(html).toContain('<p class="problem">No control group for save: no customer was held back');
  expect(html).toContain('grow (run as of 2026-09-30): not measurable before 2026-12-29');
  expect((html.match(/<canvas /g) ?? []).length).toBe(3);
});
