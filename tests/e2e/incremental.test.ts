import { copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/** Every table of a database as text, its run ids replaced by their order of appearance (run ids carry the clock). */
async function tablesAsText(path: string, runIds: string[]): Promise<Record<string, string>> {
  const db = await Database.open(path, { readOnly: true });
  try {
    const tables = (await db.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() ORDER BY 1`)).map((r) => r.t);
    const out: Record<string, string> = {};
    for (const t of tables.filter((name) => name !== 'runs')) {
      const rows = await db.all<{ r: string }>(`SELECT CAST(x AS VARCHAR) AS r FROM query_table($t) x ORDER BY r`, { t });
      out[t] = withoutRunIds(rows.map((r) => r.r).join('\n'), runIds);
    }
    return out;
  } finally {
    await db.close();
  }
}

function withoutRunIds(text: string, runIds: string[]): string {
  return runIds.reduce((s, id, i) => s.split(id).join(`<run ${i}>`), text);
}

// The daily run: yesterday's base plus one new day of orders, the champion kept. The run skips the files it
// loaded before; whatever it carries over, it must publish what a run reading every file again publishes.
test('the daily run skips the files it loaded and publishes exactly what a full run on the same data publishes', async () => {
  await withTempDir(async (dir) => {
    const demo = join(dir, 'demo');
    expect((await runCli(['demo-data', '--out', demo, '--customers', '1500'])).code).toBe(0);
    const [header, ...lines] = readFileSync(join(demo, 'orders.csv'), 'utf8').trimEnd().split('\n');
    const lastDay = lines.map((l) => l.split(',')[2]!.slice(0, 10)).sort().at(-1)!;
    const baseLines = lines.filter((l) => !l.split(',')[2]!.startsWith(lastDay));
    // Two lines no reader can use: rejected yesterday, and carried into today's rejects when the file is skipped.
    const bad = ['BAD1,C0001,not-a-date,10.00,USD,books,web,false', 'BAD2,C0002,2026-01-05T10:00:00Z,abc,USD,books,web,false'];
    const base = writeFile(dir, 'orders-base.csv', [header, ...baseLines, ...bad].join('\n') + '\n');
    // A corrections file listed after the export: two orders' amounts put right.
    const corrected = [baseLines[10]!, baseLines[20]!];
    const fix = (l: string) => { const f = l.split(','); f[3] = (Number(f[3]) + 1).toFixed(2); return f.join(','); };
    const corrections = writeFile(dir, 'corrections.csv', [header, ...corrected.map(fix)].join('\n') + '\n');
    // Today's file re-sends one corrected order as the shop has it: a full read still ends with the correction.
    const dayLines = [...lines.filter((l) => l.split(',')[2]!.startsWith(lastDay)), corrected[0]!];
    expect(dayLines.length).toBeGreaterThan(1);
    const day = writeFile(dir, `orders-${lastDay}.csv`, [header, ...dayLines].join('\n') + '\n');
    const others = ['customers', 'tickets', 'referrals'].flatMap((k) => [`--${k}`, join(demo, `${k}.csv`)]);
    const run = (db: string, out: string, orders: string[], more: string[] = []) =>
      runCli(['run', '--db', db, '--out', out, '--models', join(dir, 'models'), ...orders.flatMap((o) => ['--orders', o]), ...others, ...more]);

    const db = join(dir, 'daily.duckdb');
    const yesterday = await run(db, join(dir, 'out-yesterday'), [base, corrections]);
    expect(yesterday.errors).toBe('');
    const firstRun = JSON.parse(yesterday.stdout).run_id as string;
    // The same database and champion, to be run the full way.
    const full = join(dir, 'full.duckdb');
    copyFileSync(db, full);

    const daily = await run(db, join(dir, 'out-daily'), [base, day, corrections]);
    const reread = await run(full, join(dir, 'out-full'), [base, day, corrections], ['--reingest']);
    expect(daily.errors + reread.errors).toBe('');
    const manifest = (name: string) => JSON.parse(readFileSync(join(dir, name, 'run_manifest.json'), 'utf8'));
    const [d, f] = [manifest('out-daily'), manifest('out-full')];
    expect(d.as_of).toBe(lastDay);
    expect(d.model.trained).toBeNull();
    expect(d.model_version).toBe(f.model_version);

    // The daily run read the new day only; the full run read every file again, finding the old rows duplicates.
    const byFile = (m: { inputs: { path: string; rows_read: number; rows_new: number; already_loaded?: { run_id: string } }[] }) =>
      Object.fromEntries(m.inputs.map((i) => [i.path.slice(dir.length + 1), [i.rows_read, i.rows_new, i.already_loaded?.run_id ?? null]]));
    const newLines = dayLines.length - 1;
    // The corrections were read again: today's file replaced one of them, so their load no longer held.
    expect(byFile(d)).toMatchObject({
      'orders-base.csv': [0, 0, firstRun], [`orders-${lastDay}.csv`]: [dayLines.length, newLines, null], 'corrections.csv': [2, 0, null], 'demo/customers.csv': [0, 0, firstRun],
    });
    expect(byFile(f)).toMatchObject({ 'orders-base.csv': [baseLines.length + 2, 0, null], [`orders-${lastDay}.csv`]: [dayLines.length, newLines, null], 'demo/customers.csv': [1500, 0, null] });
    expect(d.rejected_by_class).toEqual(f.rejected_by_class);
    expect(d.rejected_by_class.reduce((n: number, c: { lines: number }) => n + c.lines, 0)).toBe(2);
    // The stored orders are the same, the corrections in both.
    const orders = async (path: string) => {
      const conn = await Database.open(path, { readOnly: true });
      try {
        return await conn.all(`SELECT order_id, CAST(amount AS VARCHAR) AS amount, customer_id, CAST(order_ts AS VARCHAR) AS ts FROM orders ORDER BY order_id`);
      } finally {
        await conn.close();
      }
    };
    const [dailyOrders, fullOrders] = [await orders(db), await orders(full)];
    expect(dailyOrders).toEqual(fullOrders);
    const byId = new Map(dailyOrders.map((o) => [o.order_id, o.amount]));
    for (const l of corrected) expect(byId.get(l.split(',')[0]!)).toBe(fix(l).split(',')[3]);

    // Every published file the same, byte for byte, once the run's own id is named alike.
    const files = readdirSync(join(dir, 'out-daily')).filter((n) => !['run_manifest.json', 'fidelio.duckdb'].includes(n)).sort();
    expect(files).toEqual(readdirSync(join(dir, 'out-full')).filter((n) => !['run_manifest.json', 'fidelio.duckdb'].includes(n)).sort());
    expect(files).toEqual(expect.arrayContaining(['customer_scores.csv', 'customer_scores.parquet', 'kpis_monthly.csv', 'personas.csv', 'report.html']));
    for (const name of files.filter((n) => !n.endsWith('.parquet'))) {
      const text = (out: string, id: string) => withoutRunIds(readFileSync(join(dir, out, name), 'utf8'), [firstRun, id]);
      expect(text('out-daily', d.run_id), name).toBe(text('out-full', f.run_id));
    }
    for (const name of files.filter((n) => n.endsWith('.parquet') && n !== 'action_effects.parquet')) {
      expect(readFileSync(join(dir, 'out-daily', name)).equals(readFileSync(join(dir, 'out-full', name))), name).toBe(true);
    }
    // The published databases hold the same tables with the same rows (the runs table apart: it records how each run read).
    const [dt, ft] = [await tablesAsText(join(dir, 'out-daily', 'fidelio.duckdb'), [firstRun, d.run_id]), await tablesAsText(join(dir, 'out-full', 'fidelio.duckdb'), [firstRun, f.run_id])];
    expect(Object.keys(dt)).toEqual(Object.keys(ft));
    for (const t of Object.keys(dt)) expect(dt[t], t).toBe(ft[t]);
    expect(Object.keys(dt)).toEqual(expect.arrayContaining(['customer_scores', 'kpis_monthly']));
  });
}, 240_000);
