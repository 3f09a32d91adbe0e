import { join } from 'node:path';
import { expect, test } from 'vitest';
import { crmLoop } from '../../notebooks/crmLoop.js';
import { explore } from '../../notebooks/explore.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

test('the exploration notebook runs on a fresh publication and answers every question', async () => {
  await withTempDir(async (dir) => {
    const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 400 }, neural: false, scoring: { intervalDraws: 0 } }));
    const run = await runCli(['run', '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out'), '--models', join(dir, 'm'), '--config', config]);
    expect(run.code).toBe(0);
    const html = await explore(join(dir, 'out'));
    for (const heading of ['Who is in each segment', 'How risky is each value tier?', 'Which model scores, and against what?', 'Where is the value at risk?', 'How is revenue moving?', 'How did customers move']) {
      expect(html).toContain(heading);
    }
    // The segment cross-tab accounts for every customer.
    const counts = [...html.matchAll(/<tr><td>(champions|loyal|potential_loyalist|new|promising|need_attention|about_to_sleep|at_risk|cant_lose|hibernating|lost)<\/td><td>(\d+)<\/td>/g)].map((m) => Number(m[2]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(400);
    expect((html.match(/<svg /g) ?? []).length).toBe(2);

    // The CRM loop on a first run: the contacts and controls, nothing measured yet, the assumed rate, the personas.
    const loop = await crmLoop(join(dir, 'out'));
    for (const heading of ['What did the last run ask marketing to do?', 'Who comes first in the save list?', 'Did the actions work?', 'Which rate does the budget use?', 'Who are the buyer personas?', 'Which personas make up each segment?', 'Whom to invite as ambassadors?']) {
      expect(loop).toContain(`<h2>${heading}</h2>`);
    }
    expect(loop).toMatch(/[\d,]+ customers to contact, [\d,]+ held back as controls\./);
    expect(loop).toContain('No action has been measured yet');
    expect(loop).toMatch(/save \(run as of \d{4}-\d{2}-\d{2}\): not measurable before/);
    expect(loop).toContain('<td>save</td><td>0.25</td><td>assumed</td>');
  });
}, 60_000);
