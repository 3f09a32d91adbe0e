// A check run by CI after the tests, where Chromium is installed from Debian's packages
// (`apt-get install chromium`): it publishes a small demo, opens report.html in headless
// Chromium, asserts that every chart drew its data, that no legend label overlaps another, that
// no bar rises above its axis's last gridline and that the persona tables and the list of VIPs to save fit the page at 1,400 px,
// and saves a screenshot at 1,400 px and at a phone's width. It runs the demo twice, so that the
// report has an earlier run to compare with ("Since the last run").
//   node tests/browser/check-report.mjs [--chromium /usr/bin/chromium] [--out DIR]
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { main } from '../../dist/pipeline/cli.js';
import { pino } from 'pino';

const { values } = parseArgs({ options: { chromium: { type: 'string', default: '/usr/bin/chromium' }, out: { type: 'string', default: 'tests/browser/out' } } });
const dir = mkdtempSync(join(tmpdir(), 'fidelio-report-'));
const config = join(dir, 'config.json');
writeFileSync(config, JSON.stringify({ demo: { customers: 1200 }, scoring: { intervalDraws: 0 } }));
for (const time of ['first', 'second']) {
  // Quiet, but a run that fails says why (its error records, kept to be shown then).
  const errors = [];
  const log = pino({ level: 'error' }, { write: (record) => errors.push(record.trim()) });
  const code = await main(['run', '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config], log, () => undefined);
  if (code !== 0) throw new Error(`the ${time} fidelio run exited ${code}:\n${errors.join('\n')}`);
}

const browser = await chromium.launch({
  executablePath: values.chromium,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
try {
  for (const [name, viewport] of [['laptop', { width: 1400, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await browser.newPage({ viewport });
    const requests = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(`file://${join(dir, 'out', 'report.html')}`);
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      // The data marks: bars with height, lines with length, points; each must have a drawn size.
      const marks = [...svg.querySelectorAll('rect[height], path, circle')].filter((el) => {
        const b = el.getBBox();
        return b.width > 0 || b.height > 0;
      });
      return { title: svg.querySelector('title')?.textContent ?? '?', width: box.width, height: box.height, marks: marks.length };
    }));
    if (charts.length < 5) failures.push(`${name}: expected at least 5 charts, found ${charts.length}`);
    for (const c of charts) {
      if (c.width < 200 || c.height < 80) failures.push(`${name}: chart "${c.title}" is drawn ${Math.round(c.width)}x${Math.round(c.height)}`);
      if (c.marks < 2) failures.push(`${name}: chart "${c.title}" drew ${c.marks} data marks`);
    }
    const faults = await page.evaluate(() => {
      const found = [];
      const boxOf = (el) => el.getBoundingClientRect();
      for (const svg of document.querySelectorAll('svg.chart')) {
        const title = svg.querySelector('title')?.textContent ?? '?';
        const labels = [...svg.querySelectorAll('g > text')].map(boxOf);
        for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i], labels[j]];
          if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) found.push(`chart "${title}": legend labels ${i + 1} and ${j + 1} overlap`);
        }
        const grid = [...svg.querySelectorAll('line[stroke="#e3e6ee"]')].map((l) => Number(l.getAttribute('y1')));
        const bars = [...svg.querySelectorAll('rect[fill]:not([fill="#fff"])')].filter((r) => r.querySelector('title')).map((r) => Number(r.getAttribute('y')));
        if (grid.length && bars.length && Math.min(...bars) < Math.min(...grid) - 0.5) found.push(`chart "${title}": a bar rises above the axis's last gridline`);
      }
      // The elements of a section: from its heading to the next one.
      const section = (title) => {
        const out = [];
        const head = [...document.querySelectorAll('h2')].find((h) => h.textContent === title);
        for (let el = head?.nextElementSibling; el && el.tagName !== 'H2'; el = el.nextElementSibling) out.push(el);
        return out;
      };
      if (window.innerWidth >= 1000) {
        for (const t of [...section('Buyer personas'), ...section('VIPs most worth saving: to contact')].filter((el) => el.tagName === 'TABLE')) {
          if (t.scrollWidth > t.clientWidth + 1) found.push(`a table is cut: ${t.scrollWidth}px wide in ${t.clientWidth}px (${t.querySelector('th')?.textContent})`);
        }
      }
      for (const el of section('Since the last run')) {
        if (el.tagName === 'TABLE' && el.querySelectorAll('tbody tr').length === 0) found.push('"Since the last run" shows an empty table');
      }
      return found;
    });
    for (const f of faults) failures.push(`${name}: ${f}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 2) failures.push(`${name}: the page is ${overflow}px wider than the screen`);
    if (requests.length) failures.push(`${name}: the page fetched ${requests.join(', ')}`);
    mkdirSync(values.out, { recursive: true });
    await page.screenshot({ path: join(values.out, `report-${name}.png`), fullPage: true });
    console.log(`${name}: ${charts.length} charts, ${charts.map((c) => c.marks).join('/')} marks; screenshot ${join(values.out, `report-${name}.png`)}`);
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('report check passed on 2 viewports');
