/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listQuery, listText, topCount } from '../../pipeline/cli/listCommand.js';
import { Database } from '../../pipeline/db/Database.js';
import { silentLogger } from '../../pipeline/log.js';
import { startServer, type RunningServer } from '../../pipeline/serve/startServer.js';
import { runCli } from '../helpers/cli.js';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/chromium.js';
import { HOSTILE_ID, servedDemo, type ServedDemo } from '../helpers/servedDemo.js';

/** Where the screenshots go (out of git), to look at. */
const SHOTS = 'tests/browser/out';

let demo: ServedDemo;
let server: RunningServer;
let browser: Browser;
/** Every request a page makes that is not to fidelio itself, and every script dialog: both must stay empty. */
const outside: string[] = [];
const dialogs: string[] = [];

async function open(path: string, width = 1400): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, acceptDownloads: true });
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) outside.push(r.url()); });
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.goto(new URL(path, server.url).href);
  return page;
}

/** Waits until every chart on the page has been drawn by Chart.js and returns how many. */
async function charts(page: Page): Promise<number> {
  await page.waitForFunction(() => [...document.querySelectorAll('canvas[data-chart]')].every((c) => c.getAttribute('data-drawn') === 'true'));
  return page.locator('canvas[data-drawn="true"]').count();
}

beforeAll(async () => {
  demo = await servedDemo();
  server = await startServer({ out: demo.out, db: demo.db, host: '127.0.0.1', port: 0, minGroup: 30, log: silentLogger, lists: { listQuery, listText, topCount } });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (demo) rmSync(demo.dir, { recursive: true, force: true });
});

describe('fidelio serve in headless Chromium', () => {
  test('the overview: KPIs, charts drawn by the served Chart.js, nothing fetched from elsewhere, fits a phone', async () => {
    for (const [name, width] of [['desktop', 1400], ['phone', 390]] as const) {
      const page = await open('/', width);
      expect(await page.locator('h1').textContent()).toMatch(/^Overview/);
      expect(await page.locator('.kpi').count()).toBeGreaterThanOrEqual(6);
      expect(await charts(page)).toBeGreaterThanOrEqual(3);
      // Each chart's canvas has a drawn size.
      for (const box of await page.locator('canvas').evaluateAll((cs) => cs.map((c) => c.getBoundingClientRect()))) {
        expect(box.width).toBeGreaterThan(200);
        expect(box.height).toBeGreaterThan(150);
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(2);
      await page.screenshot({ path: join(SHOTS, `serve-overview-${name}.png`), fullPage: true });
      await page.close();
    }
  });

  test('a list filtered by tier and segment, its CSV download equal to fidelio list', async () => {
    const page = await open('/lists/at-risk-vip');
    const all = await page.locator('table.list tbody tr').count();
    // The first rows are fidelio list's first rows, in its order.
    const cli = await runCli(['list', 'at-risk-vip', '--db', demo.db, '--format', 'json']);
    const expected = (JSON.parse(cli.stdout) as { customer_id: string; segment: string; value_tier: number }[]);
    const shown = await page.locator('table.list tbody tr td:nth-child(2) a').allTextContents();
    expect(shown).toEqual(expected.slice(0, all).map((r) => r.customer_id));
    // Filter as a marketer does: choose a tier and a segment, press Filter.
    const segment = expected[0]!.segment;
    await page.selectOption('select[name="tier"]', '1');
    await page.selectOption('select[name="segment"]', segment);
    await Promise.all([page.waitForURL(/tier=1/), page.click('form.filters button')]);
    const filtered = await page.locator('table.list tbody tr td:nth-child(2) a').allTextContents();
    const want = expected.filter((r) => r.value_tier === 1 && r.segment === segment).map((r) => r.customer_id);
    expect(filtered).toEqual(want.slice(0, 50));
    expect(filtered.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'serve-list-desktop.png'), fullPage: true });
    // The download is fidelio list's CSV with the same filters, byte for byte.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download CSV")')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const fromCli = await runCli(['list', 'at-risk-vip', '--db', demo.db, '--tier', '1', '--segment', segment]);
    expect(fromCli.code).toBe(0);
    expect(csv).toBe(fromCli.stdout);
    expect(csv.split('\n').length - 2).toBe(want.length);
    await page.close();
    const phone = await open('/lists/at-risk-vip', 390);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(2);
    await phone.screenshot({ path: join(SHOTS, 'serve-list-phone.png'), fullPage: false });
    await phone.close();
  });

  test('a customer from the list: scores, reasons, orders on a time line; a hostile id is shown as text and never runs', async () => {
    // Its country's at-risk VIPs: a big spender silent for a year ranks by what a save can bring back, not always on the whole list's first page.
    const page = await open(`/lists/at-risk-vip?country=${encodeURIComponent('<b>ES</b>')}`);
    const link = page.locator('table.list tbody tr td:nth-child(2) a', { hasText: HOSTILE_ID });
    await Promise.all([page.waitForURL(/\/customers\//), link.click()]);
    expect(await page.locator('h1 .id').textContent()).toBe(HOSTILE_ID);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await charts(page)).toBe(1);
    // The orders table: the 14 orders the fixture gave this customer.
    expect(await page.locator('section:has(h2:text("Orders")) table tbody tr').count()).toBe(14);
    expect(await page.locator('section:has(h2:text("Why this churn score"))').textContent()).toMatch(/no order for \d+ days/);
    expect(await page.locator('section:has(h2:text("Action"))').textContent()).toMatch(/win_back/);
    await page.screenshot({ path: join(SHOTS, 'serve-customer-desktop.png'), fullPage: true });
    const phone = await open(page.url(), 390);
    expect(await charts(phone)).toBe(1);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(2);
    await phone.screenshot({ path: join(SHOTS, 'serve-customer-phone.png'), fullPage: true });
    await phone.close();
    // The country "<b>ES</b>" is an option's text, not markup.
    const list = await open('/lists/at-risk-vip');
    expect(await list.locator('select[name="country"] option', { hasText: '<b>ES</b>' }).count()).toBe(1);
    await page.close();
    await list.close();
  });

  test('personas and effects', async () => {
    const page = await open('/personas');
    expect(await page.locator('section.persona-card').count()).toBeGreaterThanOrEqual(4);
    expect(await charts(page)).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'serve-personas-desktop.png'), fullPage: true });
    await page.goto(new URL('/effects', server.url).href);
    expect(await page.locator('h1').textContent()).toBe('What past actions kept');
    await page.close();
  });

  test('recording a campaign from a list stores its contacts in the working database', async () => {
    const page = await open('/lists/save');
    const firstIds = await page.locator('table.list tbody tr td:nth-child(2) a').allTextContents();
    await Promise.all([page.waitForURL(/\/lists\/save\/campaign/), page.click('a:has-text("Record a campaign")')]);
    await page.fill('input[name="campaign"]', 'December save email');
    await page.selectOption('select[name="channel"]', 'email');
    await page.fill('input[name="day"]', '2026-10-02');
    await page.fill('input[name="cost"]', '0.35');
    await page.fill('input[name="top"]', '12');
    await page.screenshot({ path: join(SHOTS, 'serve-campaign-form-desktop.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/campaigns\?recorded=/), page.click('form.campaign button')]);
    expect(await page.locator('.done').textContent()).toMatch(/Recorded campaign cmp-/);
    expect(await page.locator('#campaigns tbody tr').first().textContent()).toMatch(/December save email.*save.*email.*12.*4\.20/s);
    await page.screenshot({ path: join(SHOTS, 'serve-campaigns-desktop.png'), fullPage: true });
    const db = await Database.open(demo.db, { readOnly: true });
    try {
      const rows = await db.all<{ customer_id: string; channel: string; contacted_on: string; cost_per_contact: number; action: string }>(
        'SELECT customer_id, channel, contacted_on, cost_per_contact, action FROM recorded_contacts ORDER BY customer_id');
      expect(rows.map((r) => r.customer_id)).toEqual(firstIds.slice(0, 12).sort());
      expect(new Set(rows.map((r) => `${r.channel} ${r.contacted_on} ${r.cost_per_contact} ${r.action}`))).toEqual(new Set(['email 2026-10-02 0.35 save']));
    } finally {
      db.close();
    }
    // The customer's page shows the contact.
    await page.goto(new URL(`/customers/${encodeURIComponent(firstIds[0]!)}`, server.url).href);
    expect(await page.locator('section:has(h2:text("Contacts")) table').first().textContent()).toMatch(/2026-10-02.*December save email/s);
    await page.close();
  });

  test('on the demo, every list\'s ?format=csv&top=N is fidelio list --format csv --top N, byte for byte', async () => {
    for (const name of ['at-risk-vip', 'ambassador', 'save', 'surprise', 'grow', 'nurture', 'win_back']) {
      for (const top of [undefined, 25]) {
        const web = await fetch(new URL(`/lists/${name}?format=csv${top ? `&top=${top}` : ''}`, server.url));
        const cli = await runCli(['list', name, '--db', demo.db, '--format', 'csv', ...(top ? ['--top', String(top)] : [])]);
        expect(web.status).toBe(200);
        const text = await web.text();
        expect(text.split('\n').length, name).toBeGreaterThan(top ? 2 : 10);
        expect(text, `${name} ${top}`).toBe(cli.stdout);
      }
    }
  });

  test('no page fetched anything from elsewhere and no script dialog opened', () => {
    expect(outside).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
