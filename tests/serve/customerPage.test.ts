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

test('the published champions\' figures first, each named with its model; the purchase model\'s P(alive) apart under its name; an interval only beside its own model\'s figure', async () => {
  await onPublication(f, async (db) => {
    const s = (await customerScores(db, HOSTILE))!;
    // i = 1: churn 0.37, P(alive) 0.63, 12-month value 990 x 0.63 (p10 890 x 0.63, p90 1090 x 0.63), expected purchases 0.6 (0.4 to 0.9).
    const clv = `${Math.round(990 * 0.63)} EUR`;
    const range = `${Math.round(890 * 0.63)} EUR to ${Math.round(1090 * 0.63)} EUR`;
    // The network scores churn and value; MBG/NBD (penalized) is the purchase model: its P(alive) is not the churn score.
    const network = String(await customerPage(s, { orders: [], contacts: [] }, { ...INFO, models: { churn: 'neural', value: 'neural', purchase: 'mbgnbd_penalized' } }));
    expect(network).toContain('<div class="value">37%</div><div class="note">risk medium; from the churn champion, the network</div>');
    expect(network).toContain(`<div class="value">${clv}</div><div class="note">from the value champion, the network, which gives no interval of its own</div>`);
    expect(network).toContain(`<dt>12-month value</dt><dd>${clv} <span class="range">(the network: no interval of its own)</span></dd>`);
    expect(network).not.toContain(range);
    expect(network).toContain('<dt>MBG/NBD (penalized)&#39;s P(alive)</dt><dd>63.0% <span class="range">(the purchase model&#39;s view, not the published churn probability)</span></dd>');
    expect(network).toContain('<dt>MBG/NBD (penalized)&#39;s expected purchases (90 days)</dt><dd>0.60 <span class="range">(80% interval 0.40 to 0.90)</span></dd>');
    // The old page put BTYD's P(alive) in the churn figure's note, unnamed.
    expect(network).not.toContain('still active (BTYD)');
    // BG/NBD scores everything: the interval is its own, and its P(alive) is the churn champion's view too.
    const btyd = String(await customerPage(s, { orders: [], contacts: [] }, { ...INFO, models: { churn: 'bgnbd', value: 'bgnbd', purchase: 'bgnbd' } }));
    expect(btyd).toContain('from the churn champion, BG/NBD</div>');
    expect(btyd).toContain(`<div class="note">80% interval ${range} (BG/NBD, the value champion)</div>`);
    expect(btyd).toContain(`<dt>12-month value</dt><dd>${clv} <span class="range">(80% interval ${range})</span></dd>`);
    expect(btyd).toContain('<dt>BG/NBD&#39;s P(alive)</dt><dd>63.0% <span class="range">(the churn champion too)</span></dd>');
    // The value if retained is the purchase model's (its 12-month value over its P(alive)): named so, whoever scores churn and value.
    expect(network).toContain(`<dt>MBG/NBD (penalized)&#39;s value if retained</dt><dd>${Math.round(1000 - 10)} EUR <span class="range">(12 months if the customer stays: its 12-month value over its P(alive))</span></dd>`);
    expect(btyd).toContain('<dt>BG/NBD&#39;s value if retained</dt>');
  });
});
