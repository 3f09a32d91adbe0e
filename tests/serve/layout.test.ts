import { html } from 'hono/html';
import { expect, test } from 'vitest';
import { chart, LIST_NAMES, money, num, page, pct, problem, signedPct } from '../../pipeline/serve/layout.js';

const info = { runId: 'r<1>', asOf: '2026-09-30', modelVersion: 'm"1', currency: 'EUR', horizonDays: 90, cmgr: null };

test('the page escapes what it is given and links every list', async () => {
  const out = String(await page('<title>', 'save', info, html`<p>${'<b>x</b>'}</p>`));
  expect(out).toContain('<title>&lt;title&gt; · fidelio</title>');
  expect(out).toContain('<p>&lt;b&gt;x&lt;/b&gt;</p>');
  expect(out).toContain('(run r&lt;1&gt;, model m&quot;1)');
  expect(out).toContain('<a href="/lists/save" aria-current="page">Save</a>');
  expect(LIST_NAMES.map((l) => l.name)).toEqual(['at-risk-vip', 'save', 'surprise', 'grow', 'nurture', 'win_back', 'ambassador']);
  for (const l of LIST_NAMES) expect(out).toContain(`href="/lists/${l.name}"`);
  expect(out).toContain('<script src="/assets/chart.umd.min.js" defer></script>');
  expect(String(await problem('Oops', 'a <bad> thing'))).toContain('<p class="problem">a &lt;bad&gt; thing</p>');
});

test('a chart\'s data travel as escaped JSON in an attribute that parses back to them', () => {
  const spec = { type: 'bar', labels: ['</canvas><script>x</script>', "it's"], datasets: [{ label: 'a"b', data: [1, 2.5] }] };
  const out = String(chart('Cap <i>', spec));
  expect(out).not.toContain('<script>');
  const attr = /data-chart="([^"]*)"/.exec(out)![1]!;
  const back = attr.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  expect(JSON.parse(back)).toEqual(spec);
  expect(out).toContain('<figcaption>Cap &lt;i&gt;</figcaption>');
});

test('figures in words: money, percentages, signs, missing values', () => {
  expect(money(1234.567, 'EUR')).toBe('1,235 EUR');
  expect(money(0.35, 'USD', 2)).toBe('0.35 USD');
  expect(money(null, 'EUR')).toBe('–');
  expect(pct(0.1234)).toBe('12.3%');
  expect(pct(Number.NaN)).toBe('–');
  expect(signedPct(-0.051)).toBe('−5.1%');
  expect(signedPct(0.2)).toBe('+20.0%');
  expect(num(1234567)).toBe('1,234,567');
});
