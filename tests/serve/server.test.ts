import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { createApp } from '../../pipeline/serve/server.js';
import { runCli } from '../helpers/cli.js';
import { FORMULA, HOSTILE, HOSTILE_COUNTRY, HOSTILE_PERSONA, servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { formToken, get, post } from '../helpers/serveRequest.js';

let f: ServedFixture;
let served: ReturnType<typeof createApp>;
beforeAll(async () => {
  f = await servedFixture();
  served = createApp(f.options());
});
afterAll(() => {
  served.close();
  f.close();
});

const LISTS = ['at-risk-vip', 'ambassador', 'save', 'surprise', 'grow', 'nurture', 'win_back'];

describe('every route answers', () => {
  test.each([
    ['/', /<h1>Overview/],
    ['/lists/at-risk-vip', /<h1>At-risk VIPs/],
    ['/lists/ambassador', /<h1>Ambassadors/],
    ['/lists/win_back', /<h1>Win back/],
    ['/lists/save/campaign', /<h1>Record a campaign/],
    [`/customers/${encodeURIComponent('C003')}`, /Customer <span class="id">C003<\/span>/],
    ['/personas', /<h1>Personas/],
    ['/effects', /<h1>What past actions kept/],
    ['/campaigns', /<h1>Campaigns/],
  ])('%s', async (path, content) => {
    const r = await get(served.app, path);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toMatch(content);
    // Assets only from fidelio itself; no inline script.
    expect(r.text).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)/);
    expect(r.text).not.toMatch(/https?:\/\//);
  });

  test('assets: Chart.js from node_modules and the page script, nothing else', async () => {
    const chart = await get(served.app, '/assets/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(chart.text).toMatch(/Chart\.js v4\./);
    expect((await get(served.app, '/assets/serve.js')).text).toContain('data-chart');
    expect((await get(served.app, '/assets/serve.css')).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await get(served.app, '/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await get(served.app, '/assets/server.ts')).status).toBe(404);
  });

  test('/lists and /customers?id= redirect; unknown pages, lists and customers are 404 with the reason', async () => {
    expect((await get(served.app, '/lists')).headers.get('location')).toBe('/lists/at-risk-vip');
    expect((await get(served.app, `/customers?id=${encodeURIComponent(HOSTILE)}`)).headers.get('location')).toBe(`/customers/${encodeURIComponent(HOSTILE)}`);
    const list = await get(served.app, '/lists/everyone');
    expect(list.status).toBe(404);
    expect(list.text).toContain('there is no list &quot;everyone&quot;');
    // The customer page names each figure's model from the release's model_metrics.json.
    const named = await get(served.app, '/customers/C003');
    expect(named.text).toContain('from the churn champion, the network</div>');
    expect(named.text).toContain('<dt>MBG/NBD (penalized)&#39;s P(alive)</dt>');
    const who = await get(served.app, `/customers/${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    expect(who.status).toBe(404);
    expect(who.text).toContain('no customer &quot;&lt;img src=x onerror=alert(1)&gt;&quot;');
    expect((await get(served.app, '/nowhere')).status).toBe(404);
  });
});

describe('lists: fidelio list\'s customers, order and bytes', () => {
  test.each(LISTS)('%s: ?format=csv&top=N is fidelio list --format csv --top N, byte for byte; json too', async (name) => {
    for (const top of [undefined, 1, 3]) {
      const q = top ? `&top=${top}` : '';
      const web = await get(served.app, `/lists/${name}?format=csv${q}`);
      const cli = await runCli(['list', name, '--db', f.db, '--format', 'csv', ...(top ? ['--top', String(top)] : [])]);
      expect(cli.code).toBe(0);
      expect(web.status).toBe(200);
      expect(web.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(web.headers.get('content-disposition')).toBe(`attachment; filename="fidelio-${name}-2026-09-30.csv"`);
      expect(web.text).toBe(cli.stdout);
    }
    const json = await get(served.app, `/lists/${name}?format=json&top=2`);
    expect(json.text).toBe((await runCli(['list', name, '--db', f.db, '--format', 'json', '--top', '2'])).stdout);
  });

  test('the page shows the list\'s customers in its order; filters are the command\'s (tier, segment, persona, country, risk)', async () => {
    const ids = (html: string) => [...html.matchAll(/<td class="who"><a href="\/customers\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!
      .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&'));
    const cases: [string, string[]][] = [
      ['', []],
      ['tier=2', ['--tier', '2']],
      ['segment=loyal', ['--segment', 'loyal']],
      [`persona=${encodeURIComponent(HOSTILE_PERSONA)}`, ['--persona', HOSTILE_PERSONA]],
      [`country=${encodeURIComponent('Korea, Republic of')}`, ['--country', 'Korea\\, Republic of']],
      ['risk=high', ['--risk', 'high']],
    ];
    for (const name of ['at-risk-vip', 'save']) {
      for (const [query, args] of cases) {
        const cli = JSON.parse((await runCli(['list', name, '--db', f.db, '--format', 'json', ...args])).stdout) as { customer_id: string }[];
        const page = await get(served.app, `/lists/${name}?${query}`);
        expect(page.status, `${name} ${query}`).toBe(200);
        expect(ids(page.text), `${name} ${query}`).toEqual(cli.map((r) => r.customer_id));
        // The download link carries the filters.
        const download = /<a class="button" href="([^"]+)" download>/.exec(page.text)![1]!.replaceAll('&amp;', '&');
        expect(Object.fromEntries(new URLSearchParams(download.split('?')[1]))).toEqual({ ...Object.fromEntries(new URLSearchParams(query)), format: 'csv' });
      }
    }
    // The at-risk VIPs by hand: VIPs (tiers 1-2) at medium or high churn (>= 0.3) given save or win_back (not surprise:
    // too recent to be at risk), to contact, most at stake first.
    const byHand = [];
    for (let i = 1; i <= 40; i++) {
      const churn = ((i * 37) % 100) / 100; const tier = 1 + (i % 5); const action = ['save', 'surprise', 'grow', 'nurture', 'win_back', 'none'][i % 6];
      if (tier <= 2 && churn >= 0.3 && (action === 'save' || action === 'win_back') && i % 7 !== 0) byHand.push({ i, stake: (1000 - 10 * i) * churn });
    }
    byHand.sort((a, b) => b.stake - a.stake);
    const page = await get(served.app, '/lists/at-risk-vip');
    expect(ids(page.text)).toEqual(byHand.map(({ i }) => (i === 1 ? HOSTILE : i === 2 ? FORMULA : `C${String(i).padStart(3, '0')}`)));
  });

  test('sorted by a column, paged; a bad filter, sort, page or top is a 400 that says why', async () => {
    const page = await get(served.app, '/lists/save?sort=churn_probability&dir=asc');
    const churns = [...page.text.matchAll(/<td class="n">([\d.]+)% <span class="tag/g)].map((m) => Number(m[1]));
    expect(churns.length).toBeGreaterThan(2);
    expect(churns).toEqual([...churns].sort((a, b) => a - b));
    for (const [q, why] of [
      ['tier=9', '--tier: expected numbers 1 to 5'], ['risk=extreme', 'unknown level(s) extreme'], ['sort=' + encodeURIComponent('churn_probability; DROP TABLE x'), 'sort: unknown column'],
      ['sort=reasons', 'sort: unknown column &quot;reasons&quot;'], ['dir=sideways', 'dir: expected asc or desc'], ['page=0', 'page: expected a whole number'], ['page=abc', 'page: expected'],
      ['format=csv&top=0', '--top must be a whole number'], ['format=xml', 'format: expected csv or json'],
    ]) {
      const r = await get(served.app, `/lists/save?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.text, q).toContain(why);
    }
    // A value that is SQL is only a value: it matches no segment.
    const injected = await get(served.app, `/lists/save?segment=${encodeURIComponent("x' OR '1'='1")}`);
    expect(injected.status).toBe(200);
    expect(injected.text).toContain('No customer matches these filters.');
  });
});

describe('escaping', () => {
  test('a hostile id, persona and country are text on every page', async () => {
    const pages = [await get(served.app, '/lists/surprise'), await get(served.app, `/customers/${encodeURIComponent(HOSTILE)}`), await get(served.app, '/personas')];
    for (const p of pages) {
      expect(p.text).not.toContain('<script>alert(1)');
      expect(p.text).not.toContain('<i>weekend</i>');
      expect(p.text).not.toContain('<b>ES</b>');
    }
    expect(pages[0]!.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(pages[0]!.text).toContain(`<option value="&lt;b&gt;ES&lt;/b&gt;">&lt;b&gt;ES&lt;/b&gt;</option>`);
    expect(pages[1]!.text).toContain('<h1>Customer <span class="id">&lt;script&gt;alert(1)&lt;/script&gt;</span>');
    expect(pages[2]!.text).toContain('&lt;i&gt;weekend&lt;/i&gt; shoppers');
    expect(HOSTILE_COUNTRY).toBe('<b>ES</b>');
  });

  test('the CSV download is formula-safe, as fidelio list writes it', async () => {
    const csv = (await get(served.app, '/lists/grow?format=csv')).text;
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).not.toMatch(/^=|,=/m);
  });
});

describe('security', () => {
  test('with a token: 401 without it, the page with it', async () => {
    const guarded = createApp(f.options({ host: '0.0.0.0', token: 'a-token-of-24-characters' }));
    try {
      for (const path of ['/', '/lists/save?format=csv', `/customers/C003`, '/campaigns', '/assets/serve.js']) expect((await get(guarded.app, path)).status, path).toBe(401);
      expect((await post(guarded.app, '/campaigns', { campaign: 'x' })).status).toBe(401);
      expect((await get(guarded.app, '/', { authorization: 'Bearer a-token-of-24-characters', host: '192.168.1.5:8080' })).status).toBe(200);
    } finally {
      guarded.close();
    }
  });

  test('the campaign write needs the form\'s token and this origin', async () => {
    const form = { run: 'r1', list: 'save', campaign: 'c', channel: 'email', day: '2026-10-02', cost: '1', top: '2' };
    expect((await post(served.app, '/campaigns', form)).status).toBe(403);
    expect((await post(served.app, '/campaigns', { ...form, csrf: 'guessed' })).status).toBe(403);
    const token = formToken((await get(served.app, '/lists/save/campaign')).text);
    const cross = await post(served.app, '/campaigns', { ...form, csrf: token }, 'http://evil.example');
    expect(cross.status).toBe(403);
    expect(cross.text).toContain('http://evil.example may not record campaigns');
    expect(await recorded()).toEqual([]);
  });
});

async function recorded(): Promise<{ campaign: string; customer_id: string; list_name: string; action: string; channel: string; contacted_on: string; cost_per_contact: number; currency: string; run_id: string; as_of: string; recorded_at: string }[]> {
  const db = await Database.open(f.db, { readOnly: true });
  try {
    return await db.all('SELECT * EXCLUDE (campaign_id) FROM recorded_contacts ORDER BY campaign, customer_id') as never;
  } finally {
    db.close();
  }
}

describe('campaigns', () => {
  test('a campaign to the first N of a filtered list is stored as contacts, then listed and shown on each customer', async () => {
    const token = formToken((await get(served.app, '/lists/save/campaign?tier=2')).text);
    const r = await post(served.app, '/campaigns', { csrf: token, run: 'r1', list: 'save', tier: '2', campaign: 'Autumn <b>save</b>', channel: 'sms', day: '2026-10-02', cost: '0,25', top: '2' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toMatch(/^\/campaigns\?recorded=cmp-[0-9a-f]{12}$/);
    const first2 = (JSON.parse((await runCli(['list', 'save', '--db', f.db, '--format', 'json', '--tier', '2', '--top', '2'])).stdout) as { customer_id: string }[]).map((x) => x.customer_id);
    const rows = (await recorded()).filter((x) => x.campaign === 'Autumn <b>save</b>');
    expect(rows.map((x) => x.customer_id)).toEqual([...first2].sort());
    expect(rows[0]).toMatchObject({ list_name: 'save', action: 'save', channel: 'sms', contacted_on: '2026-10-02', cost_per_contact: 0.25, currency: 'EUR', run_id: 'r1', as_of: '2026-09-30', recorded_at: '2026-10-02T09:00:00.000Z' });
    const list = await get(served.app, r.headers.get('location')!);
    expect(list.text).toMatch(/Recorded campaign <strong>cmp-/);
    expect(list.text).toContain('<td>Autumn &lt;b&gt;save&lt;/b&gt;</td><td><a href="/lists/save">save</a></td><td>sms</td><td class="n">2</td><td class="n">0.50 EUR</td>');
    const customer = await get(served.app, `/customers/${encodeURIComponent(first2[0]!)}`);
    expect(customer.text).toContain('<td>2026-10-02</td><td>Autumn &lt;b&gt;save&lt;/b&gt;</td><td>save</td><td>sms</td>');
    // The same campaign again is refused, not counted twice.
    const again = await post(served.app, '/campaigns', { csrf: token, run: 'r1', list: 'save', tier: '2', campaign: 'Autumn <b>save</b>', channel: 'sms', day: '2026-10-02', cost: '0.25', top: '2' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('already recorded');
    expect((await recorded()).filter((x) => x.campaign === 'Autumn <b>save</b>')).toHaveLength(2);
  });

  test('chosen ids must be on the list; bad fields are named; nothing is written then', async () => {
    const token = formToken((await get(served.app, '/lists/win_back/campaign')).text);
    const winBack = (JSON.parse((await runCli(['list', 'win_back', '--db', f.db, '--format', 'json'])).stdout) as { customer_id: string }[]).map((x) => x.customer_id);
    const ok = await post(served.app, '/campaigns', { csrf: token, run: 'r1', list: 'win_back', campaign: 'Letters', channel: 'mail', day: '2026-10-01', cost: '1.20', ids: `${winBack[1]}\r\n${winBack[0]}\n` });
    expect(ok.status).toBe(303);
    expect((await recorded()).filter((x) => x.campaign === 'Letters').map((x) => x.customer_id)).toEqual([winBack[0], winBack[1]].sort());
    const before = (await recorded()).length;
    const offList = await post(served.app, '/campaigns', { csrf: token, run: 'r1', list: 'win_back', campaign: 'Letters 2', channel: 'mail', day: '2026-10-01', cost: '1', ids: `${winBack[0]}\nC999\n${HOSTILE}` });
    expect(offList.status).toBe(400);
    expect(offList.text).toContain('not on the list win_back with these filters: C999');
    const bad = await post(served.app, '/campaigns', { csrf: token, run: 'r1', list: 'win_back', campaign: '', channel: 'pigeon', day: '2026-02-30', cost: '-1', top: '1' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('a campaign name of 1 to 200 characters; a channel among email');
    expect(bad.text).toContain('the day sent as YYYY-MM-DD; a cost per contact of 0 or more');
    expect((await post(served.app, '/campaigns', { csrf: token, run: 'r1', list: 'nobody', campaign: 'x', channel: 'mail', day: '2026-10-01', cost: '1', top: '1' })).status).toBe(404);
    expect((await recorded()).length).toBe(before);
  });
});

test('a run publishing while the page is open: each request shows one whole publication, the next one the new; a form from the old one is refused', async () => {
  const before = await get(served.app, '/customers/C003');
  expect(before.text).toContain('model fidelio-fixture');
  const form = (await get(served.app, '/lists/nurture/campaign')).text;
  expect(form).toContain('<input type="hidden" name="run" value="r1">');
  await f.publishAgain('r2', 'fidelio-second');
  const stale = await post(served.app, '/campaigns', { csrf: formToken(form), run: 'r1', list: 'nurture', campaign: 'late', channel: 'email', day: '2026-10-02', cost: '1', top: '1' });
  expect(stale.status).toBe(409);
  expect(stale.text).toContain('a newer publication (run r2, as of 2026-09-30) came since this form was opened (run r1)');
  expect((await recorded()).filter((x) => x.campaign === 'late')).toEqual([]);
  const csv = (await get(served.app, '/lists/save?format=csv')).text;
  expect(csv).toContain('fidelio-second');
  expect(csv).not.toContain('fidelio-fixture');
  expect(csv).toBe((await runCli(['list', 'save', '--db', f.db])).stdout);
  expect((await get(served.app, '/')).text).toContain('(run r2, model fidelio-fixture)');
});

test('the overview, personas and effects are made ahead: at start, and for a release switched in later, before anyone asks for them', async () => {
  const { pino } = await import('pino');
  const own = await servedFixture();
  const made: { page: string; run: string; at: number }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void made.push({ ...JSON.parse(line), at: made.length }) });
  const app = createApp(own.options({ log, warmSeconds: 0.05 }));
  try {
    await app.ready;
    expect(made.filter((m) => m.page).map((m) => [m.page, m.run])).toEqual([['/', 'r1'], ['/personas', 'r1'], ['/effects', 'r1']]);
    // Asked for now, nothing is made again.
    expect((await get(app.app, '/')).status).toBe(200);
    expect(made.filter((m) => m.page)).toHaveLength(3);
    await own.publishAgain('r2', 'fidelio-second');
    for (let i = 0; i < 100 && !made.some((m) => m.run === 'r2' && m.page === '/effects'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(made.filter((m) => m.run === 'r2').map((m) => m.page)).toEqual(['/', '/personas', '/effects']);
    const before = made.length;
    expect((await get(app.app, '/')).text).toContain('(run r2, ');
    expect(made.slice(before).filter((m) => m.page)).toEqual([]);
  } finally {
    app.close();
    own.close();
  }
});
