import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../pipeline/cli.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { silentLogger } from '../../pipeline/log.js';

/** A customer id a page must show as text, never run. */
export const HOSTILE_ID = '<script>alert(1)</script>';
/** A customer id a spreadsheet would take for a formula. */
export const FORMULA_ID = '@SUM(1+1)';

export interface ServedDemo {
  dir: string;
  db: string;
  out: string;
  config: string;
}

/**
 * A small demo published as `fidelio run` publishes it (1,200 customers of
 * the seeded generator), with two more customers whose ids are hostile: an
 * HTML script and a spreadsheet formula, each a big spender gone quiet (so
 * both are at-risk VIPs), the first with an HTML country.
 */
export async function servedDemo(customers = 1200): Promise<ServedDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-serve-'));
  const files = generateDemoData(join(dir, 'in'), { customers, seed: 7, months: 30 });
  const lines: string[] = [];
  for (const [k, id] of [HOSTILE_ID, FORMULA_ID].entries()) {
    for (let i = 0; i < 14; i++) {
      const day = new Date(Date.UTC(2024, 5 + i, 3 + k)).toISOString().slice(0, 10);
      lines.push(`X${k}-${i},${id},${day}T12:00:00Z,${(380 + 10 * i).toFixed(2)},USD,electronics,web,false`);
    }
  }
  appendFileSync(files.orders, lines.join('\n') + '\n');
  appendFileSync(files.customers, `${HOSTILE_ID},2024-05-01,1980-02-02,<b>ES</b>,referral\n${FORMULA_ID},2024-05-01,1981-03-03,FR,paid_search\n`);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ scoring: { intervalDraws: 20 } }));
  const db = join(dir, 'f.duckdb');
  const out = join(dir, 'out');
  const code = await main(['run', '--orders', files.orders, '--customers', files.customers, '--tickets', files.tickets, '--referrals', files.referrals,
    '--db', db, '--out', out, '--models', join(dir, 'models'), '--config', config], silentLogger, () => undefined);
  if (code !== 0) throw new Error(`fidelio run exited ${code}`);
  return { dir, db, out, config };
}
