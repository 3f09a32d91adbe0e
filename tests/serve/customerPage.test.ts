import { afterAll, beforeAll, expect, test } from 'vitest';
import { customerPage, customerScores } from '../../pipeline/serve/customerPage.js';
import { HOSTILE, servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { INFO, onPublication } from '../helpers/servedPages.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

test('scores with their intervals, the action and why, control status, orders and contacts; a busy database said in words', async () => {
  await onPublication(f, async (db) => {
    expect(await customerScores(db, 'nobody')).toBeUndefined();
    const s = (await customerScores(db, HOSTILE))!;
    expect(s.country).toBe('ES');
    expect(s.history.map((h) => h.run_id)).toEqual(['r1']);
    const orders = [{ order_id: 'O1', order_date: '2025-02-19', amount: 101, currency: 'EUR', category: 'books', channel: 'web' }, { order_id: 'O3', order_date: '2025-06-09', amount: -25.5, currency: 'EUR', category: 'books', channel: 'web' }];
    const html = String(await customerPage(s, { orders, contacts: [{ contacted_on: '2026-10-02', campaign: 'A', list_name: 'save', channel: 'sms', cost_per_contact: 0.5, currency: 'EUR' }] }, INFO));
    // i = 1: churn 0.37 (medium), tier 2 (VIP), surprise, contacted, 12-month value (1000 - 10) x 0.63 within (890 x 0.63, 1090 x 0.63).
    expect(html).toContain('<div class="value">37%</div>');
    expect(html).toContain(`${Math.round(990 * 0.63)} EUR <span class="range">(80% interval ${Math.round(890 * 0.63)} EUR to ${Math.round(1090 * 0.63)} EUR)</span>`);
    expect(html).toContain('<strong>surprise</strong>: to contact for &quot;surprise&quot; (priority 1 within it), expected to keep 49 EUR');
    expect(html).toContain('Not in the control group.');
    expect(html).toContain('<td class="n">-25.50 EUR</td>');
    expect(html).toContain('<td>2026-10-02</td><td>A</td><td>save</td><td>sms</td><td class="n">0.50 EUR</td>');
    const busy = String(await customerPage(s, { orders: [], contacts: [], busy: 'The working database is busy' }, INFO));
    expect(busy).toContain('<p class="problem">The working database is busy</p>');
    // i = 7: a control.
    const control = String(await customerPage((await customerScores(db, 'C007'))!, { orders: [], contacts: [] }, INFO));
    expect(control).toContain('held back in the control group');
    expect(control).toContain('In the control group of this publication');
  });
});
