import { describe, expect, test } from 'vitest';
import { migrate } from '../../pipeline/db/migrations.js';
import { InputError } from '../../pipeline/errors.js';
import { ingestInputs, plainIngestOptions, type IngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import type { Database } from '../../pipeline/db/Database.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const options: IngestOptions = plainIngestOptions('run-1', new Date('2026-01-01T00:00:00Z'));

const HEADER = 'order_id,customer_id,order_ts,amount,currency';

async function rejects(db: Database) {
  return db.all<{ line: number; raw: string; reason: string }>('SELECT line, raw, reason FROM rejected_rows ORDER BY line');
}

async function classes(db: Database) {
  return (await db.all<{ c: string }>('SELECT reason_class AS c FROM rejected_rows ORDER BY line')).map((r) => r.c);
}

/** Ingests one orders CSV built from lines and returns the file's accounting and the rejects. */
async function ingestLines(lines: string[], opts: Partial<IngestOptions> = {}) {
  return withTempDir((dir) =>
    withDb(async (db) => {
      const path = writeFile(dir, 'orders.csv', [HEADER, ...lines].join('\n') + '\n');
      const [file] = await ingestInputs(db, { orders: [path] }, { ...options, ...opts }, silentLogger);
      return { file: file!, rejected: await rejects(db), orders: await db.all('SELECT order_id, customer_id, CAST(amount AS VARCHAR) AS amount, CAST(order_date AS VARCHAR) AS order_date FROM orders ORDER BY order_id') };
    }),
  );
}

describe('ingest validation: one rejected row per bad line, with its reason', () => {
  test.each([
    ['missing order_id', ',c1,2025-01-01,10.00,USD', 'missing order_id'],
    ['missing amount', '1,c1,2025-01-01,,USD', 'missing amount'],
    ['a control character in an id', '1,c\u00011,2025-01-01,10.00,USD', "customer_id 'c?1' holds control characters (shown as ?)"],
    // The file's bytes are scanned for these before the check of every id is left out (textCopy.ts, holdsControls):
    // each kind of character, in a UTF-8 file read as it is, still rejects its line.
    ['a tab in an id', '1,c\t1,2025-01-01,10.00,USD', "customer_id 'c?1' holds control characters (shown as ?)"],
    ['DEL in an id', '1\u007f,c1,2025-01-01,10.00,USD', "order_id '1?' holds control characters (shown as ?)"],
    ['a C1 control in an id', '1,c\u00851,2025-01-01,10.00,USD', "customer_id 'c?1' holds control characters (shown as ?)"],
    ['a right-to-left override in an id', '1,\u202Ec1,2025-01-01,10.00,USD', "customer_id '?c1' holds control characters (shown as ?)"],
    ['a directional isolate in an id', '1\u2069,c1,2025-01-01,10.00,USD', "order_id '1?' holds control characters (shown as ?)"],
    ['unparseable date', "1,c1,2025-13-45,10.00,USD", "order_ts '2025-13-45' is not an ISO 8601 date or timestamp"],
    ['non-ISO date', '1,c1,03/04/2025,10.00,USD', "order_ts '03/04/2025' is not an ISO 8601 date or timestamp (it reads as %m/%d/%Y or %d/%m/%Y: set formats.orders.dateFormat)"],
    ['an implausible date', '1,c1,0001-01-01,10.00,USD', "order_ts '0001-01-01' is before 1990-01-01, too early to be true (ingest.earliestDate)"],
    ['an underscore in a number', '1,c1,2025-01-01,1_000,USD', "amount '1_000' is not a number"],
    ['a number out of range', '1,c1,2025-01-01,1e30,USD', "amount '1e30' is out of range (at most 16 digits before the decimal point)"],
    ['non-numeric amount', '1,c1,2025-01-01,ten,USD', "amount 'ten' is not a number"],
    ['decimal comma', '1,c1,2025-01-01,"12,50",USD', "amount '12,50' uses a decimal comma; expected a decimal point (set formats.orders.decimal: \",\")"],
    ['date after the run', '1,c1,2026-06-01,10.00,USD', "order_ts '2026-06-01' is after the time of the run (2026-01-01T00:00:00Z); a clock or export error?"],
    ['short row', '1,c1,2025-01-01,10.00', 'too few columns: expected 5'],
    ['long row', '1,c1,2025-01-01,10.00,USD,extra', 'too many columns: expected 5, found 6'],
    ['other currency without rates', '1,c1,2025-01-01,10.00,EUR', "currency 'EUR' is not USD and no exchange rate was given for it (config exchangeRates)"],
  ])('%s', async (_name, line, reason) => {
    const { file, rejected, orders } = await ingestLines(['0,c0,2025-01-01,5.00,USD', line]);
    expect(rejected).toEqual([{ line: 3, raw: line, reason }]);
    expect(orders).toHaveLength(1);
    expect(file).toMatchObject({ rows_read: 2, rows_accepted: 1, rows_rejected: 1, rows_duplicate: 0 });
  });

  test('a line with several problems is one rejected row listing them all, and each class', async () => {
    await withTempDir((dir) => withDb(async (db) => {
      const path = writeFile(dir, 'o.csv', `${HEADER}\n,c1,someday,abc,USD\n`);
      const [file] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
      expect(await rejects(db)).toEqual([{ line: 2, raw: ',c1,someday,abc,USD', reason: "missing order_id; order_ts 'someday' is not an ISO 8601 date or timestamp; amount 'abc' is not a number" }]);
      expect(await classes(db)).toEqual(['missing_order_id;order_ts_not_a_date;amount_not_a_number']);
      expect(file!.rows_rejected).toBe(1);
    }));
  });

  test('an order without a customer is a guest order: accepted, with no customer', async () => {
    const { file, rejected, orders } = await ingestLines(['1,,2025-01-01,10.00,USD', '2,   ,2025-01-02,5.00,USD']);
    expect(rejected).toEqual([]);
    expect(file).toMatchObject({ rows_read: 2, rows_accepted: 2 });
    expect(orders.map((o) => o.customer_id)).toEqual([null, null]);
  });

  test('refunds are kept, rows after as-of are valid, amounts are exact decimals', async () => {
    const { file, orders, rejected } = await ingestLines(['1,c1,2025-01-01,10.10,USD', 'R1,c1,2025-01-05,-10.10,USD', '2,c1,2025-12-31T23:00:00Z,0.20,usd']);
    expect(rejected).toEqual([]);
    expect(file).toMatchObject({ rows_read: 3, rows_accepted: 3 });
    expect(orders).toEqual([
      { order_id: '1', customer_id: 'c1', amount: '10.10', order_date: '2025-01-01' },
      { order_id: '2', customer_id: 'c1', amount: '0.20', order_date: '2025-12-31' },
      { order_id: 'R1', customer_id: 'c1', amount: '-10.10', order_date: '2025-01-05' },
    ]);
  });

  test('timestamps with offsets are stored as the UTC instant and dated in the configured zone', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'o.csv', `${HEADER}\n1,c1,2025-01-01T23:30:00-02:00,1.00,USD\n`);
        await ingestInputs(db, { orders: [path] }, options, silentLogger);
        const row = await db.one<{ utc: string; day: string }>(`SELECT strftime(order_ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS utc, CAST(order_date AS VARCHAR) AS day FROM orders`);
        expect(row).toEqual({ utc: '2025-01-02 01:30', day: '2025-01-02' });
      }),
    );
  });

  test('exact duplicate lines are counted as duplicates; a repeated id with other values is rejected', async () => {
    const { file, rejected } = await ingestLines(['1,c1,2025-01-01,10.00,USD', '1,c1,2025-01-01,10.00,USD', '1,c1,2025-01-01,99.00,USD']);
    expect(file).toMatchObject({ rows_read: 3, rows_accepted: 1, rows_rejected: 1, rows_duplicate: 1 });
    expect(rejected).toEqual([{ line: 4, raw: '1,c1,2025-01-01,99.00,USD', reason: "order_id '1' already appears at line 2 of this file with different values (several lines per order? they are line items: set formats.orders.grain: line)" }]);
  });

  test('blank lines are not rows; quoted fields keep their commas; line numbers stay physical', async () => {
    const { file, rejected, orders } = await ingestLines(['1,"c,1",2025-01-01,10.00,USD', '', '2,c2,bad,1.00,USD']);
    expect(file).toMatchObject({ rows_read: 2, rows_accepted: 1, rows_rejected: 1, exact_lines: true });
    expect(rejected[0]).toMatchObject({ line: 4 });
    expect(orders[0]).toMatchObject({ customer_id: 'c,1' });
  });

  test('Windows line ends are read as line ends; a carriage return inside a line rejects that line', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'o.csv', `${HEADER}\r\n1,c1,2025-01-01,1.00,USD\r\n2,c\r2,2025-01-01,1.00,USD\r\n3,c3,2025-01-01,1.00,USD\r\n`);
        const [file] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
        expect(file).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1, exact_lines: true });
        expect(await rejects(db)).toEqual([{ line: 3, raw: '2,c\\r2,2025-01-01,1.00,USD', reason: 'a carriage return inside the line' }]);
        expect(await db.all('SELECT customer_id, currency FROM orders ORDER BY order_id')).toEqual([{ customer_id: 'c1', currency: 'USD' }, { customer_id: 'c3', currency: 'USD' }]);
      }),
    );
  });

  test('invalid UTF-8 bytes reject their line only', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const bad = Buffer.concat([Buffer.from('2,c'), Buffer.from([0xff, 0xfe]), Buffer.from(',2025-01-01,1.00,USD\n')]);
        const path = writeFile(dir, 'o.csv', Buffer.concat([Buffer.from(`${HEADER}\n1,c1,2025-01-01,1.00,USD\n`), bad, Buffer.from('3,c3,2025-01-01,1.00,USD\n')]));
        const [file] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
        expect(file).toMatchObject({ rows_read: 3, rows_accepted: 2, rows_rejected: 1 });
        expect((await rejects(db)).map((r) => [r.line, r.reason])).toEqual([[3, 'invalid UTF-8 bytes in the line (is the file Latin-1? set formats.orders.encoding: latin-1)']]);
        expect(await classes(db)).toEqual(['invalid_utf8']);
      }),
    );
  });

  test('an exchange-rate file converts other currencies and keeps the original amount', async () => {
    await withTempDir(async (dir) => {
      const rates = writeFile(dir, 'fx.csv', 'currency,rate\nEUR,1.10\n');
      const { rejected, orders } = await ingestLines(['1,c1,2025-01-01,10.00,EUR', '2,c1,2025-01-01,10.00,GBP'], { exchangeRates: rates });
      expect(orders).toEqual([{ order_id: '1', customer_id: 'c1', amount: '11.00', order_date: '2025-01-01' }]);
      expect(rejected.map((r) => r.reason)).toEqual(["currency 'GBP' is not USD and no exchange rate was given for it (config exchangeRates)"]);
    });
  });
});

describe('a file in one other currency is the wrong setting: stopped before anything of it loads', () => {
  test.each([
    ['written the same on every line', ['1,c1,2025-01-01,10.00,EUR', '2,c1,2025-01-02,12.00,EUR'], 'EUR'],
    ['written differently (case, spaces) on its lines', ['1,c1,2025-01-01,10.00, eur', '2,c1,2025-01-02,12.00,EUR', '3,c2,2025-01-02,12.00,Eur '], 'EUR'],
    ['with lines that give none', ['1,c1,2025-01-01,10.00,', '2,c1,2025-01-02,12.00,GBP', '3,c2,2025-01-03,1.00,  '], 'GBP'],
  ])('%s', async (_name, lines, only) => {
    await expect(ingestLines(lines)).rejects.toThrow(`holds amounts in ${only} only, not USD: run with --currency ${only}`);
  });

  test('the configured currency, none at all, or several currencies load (a line in another currency is rejected)', async () => {
    expect((await ingestLines(['1,c1,2025-01-01,10.00,USD', '2,c1,2025-01-02,12.00,usd '])).orders).toHaveLength(2);
    expect((await ingestLines(['1,c1,2025-01-01,10.00,', '2,c1,2025-01-02,12.00, '])).orders).toHaveLength(2);
    const several = await ingestLines(['1,c1,2025-01-01,10.00,EUR', '2,c1,2025-01-02,12.00,USD']);
    expect(several.orders).toHaveLength(1);
    expect(several.rejected.map((r) => r.reason)).toEqual(["currency 'EUR' is not USD and no exchange rate was given for it (config exchangeRates)"]);
  });
});

describe('customers: names and emails to contact', () => {
  test("a customers file's optional name and email columns are kept as text (Latin-1 names, a formula-like name as it is), never required", async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        await migrate(db);
        const path = writeFile(dir, 'customers.csv', ['customer_id,country,name,email', 'c1,ES,José Núñez,jose@example.es', 'c2,FR,=1+1,', 'c3,DE,,'].join('\n') + '\n');
        const plain = writeFile(dir, 'customers-plain.csv', ['customer_id,country', 'c4,IT'].join('\n') + '\n');
        const files = await ingestInputs(db, { customers: [path, plain] }, options, silentLogger);
        expect(files.map((f) => [f.rows_accepted, f.rows_rejected])).toEqual([[3, 0], [1, 0]]);
        expect(await db.all('SELECT customer_id, name, email FROM customers ORDER BY customer_id')).toEqual([
          { customer_id: 'c1', name: 'José Núñez', email: 'jose@example.es' }, { customer_id: 'c2', name: '=1+1', email: null },
          { customer_id: 'c3', name: null, email: null }, { customer_id: 'c4', name: null, email: null },
        ]);
      }),
    );
  });
});

describe('re-ingest and updates', () => {
  test('re-reading a file adds nothing; a newer file with a changed row updates it', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const first = writeFile(dir, 'a.csv', `${HEADER}\n1,c1,2025-01-01,10.00,USD\n2,c2,2025-01-02,20.00,USD\n`);
        const [a] = await ingestInputs(db, { orders: [first] }, options, silentLogger);
        // Read again on purpose (--reingest): every row is a duplicate of the stored one.
        const [again] = await ingestInputs(db, { orders: [first] }, { ...options, runId: 'run-2', skipLoaded: false }, silentLogger);
        const newer = writeFile(dir, 'b.csv', `${HEADER}\n2,c2,2025-01-02,25.00,USD\n3,c3,2025-01-03,30.00,USD\n`);
        const [b] = await ingestInputs(db, { orders: [newer] }, { ...options, runId: 'run-3' }, silentLogger);
        expect(a).toMatchObject({ rows_read: 2, rows_accepted: 2, rows_new: 2, rows_duplicate: 0 });
        expect(again).toMatchObject({ rows_read: 2, rows_accepted: 0, rows_new: 0, rows_duplicate: 2 });
        expect(b).toMatchObject({ rows_read: 2, rows_accepted: 2, rows_new: 1, rows_updated: 1 });
        expect(await db.all('SELECT order_id, CAST(amount AS VARCHAR) AS amount FROM orders ORDER BY order_id')).toEqual([
          { order_id: '1', amount: '10.00' },
          { order_id: '2', amount: '25.00' },
          { order_id: '3', amount: '30.00' },
        ]);
      }),
    );
  });
});

describe('formats and mapping', () => {
  test('JSON lines: bad JSON is rejected with its line; keys map to columns', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'o.jsonl', [
          '{"id": "1", "cust": "c1", "ts": "2025-01-01", "value": 10.5}',
          '{"id": "2", "cust": "c2", "ts": "2025-01-01", "value": ',
          '{"id": "3", "cust": "c3", "ts": "2025-01-01", "value": "x"}',
        ].join('\n') + '\n');
        const columns = { ...options.columns, orders: { order_id: 'id', customer_id: 'cust', order_ts: 'ts', amount: 'value' } };
        const [file] = await ingestInputs(db, { orders: [path] }, { ...options, columns }, silentLogger);
        expect(file).toMatchObject({ rows_read: 3, rows_accepted: 1, rows_rejected: 2 });
        expect((await rejects(db)).map((r) => [r.line, r.reason])).toEqual([[2, 'not a valid JSON object'], [3, "amount 'x' is not a number"]]);
      }),
    );
  });

  test('Parquet: rows are numbered by position', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = `${dir}/o.parquet`;
        await db.run(`COPY (SELECT * FROM (VALUES ('1', 'c1', TIMESTAMP '2025-01-01 10:00:00', '10.5'), ('2', 'c2', TIMESTAMP '2025-01-02 00:00:00', '-'))
          t(order_id, customer_id, order_ts, amount)) TO '${path}' (FORMAT parquet)`);
        const [file] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
        expect(file).toMatchObject({ rows_read: 2, rows_accepted: 1, rows_rejected: 1 });
        expect((await rejects(db)).map((r) => [r.line, r.reason])).toEqual([[2, "amount '-' is not a number"]]);
      }),
    );
  });

  test('a glob reads every matching file', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        writeFile(dir, 'a.csv', `${HEADER}\n1,c1,2025-01-01,1.00,USD\n`);
        writeFile(dir, 'b.csv', `${HEADER}\n2,c2,2025-01-01,1.00,USD\n`);
        const files = await ingestInputs(db, { orders: [`${dir}/*.csv`] }, options, silentLogger);
        expect(files.map((f) => f.rows_accepted)).toEqual([1, 1]);
      }),
    );
  });
});

describe('inputs that cannot be read fail fast with exit code 2', () => {
  const failure = async (content: string | null, opts: Partial<IngestOptions> = {}) =>
    withTempDir((dir) =>
      withDb(async (db) => {
        const path = content === null ? `${dir}/missing.csv` : writeFile(dir, 'o.csv', content);
        const error = await ingestInputs(db, { orders: [path] }, { ...options, ...opts }, silentLogger).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).exitCode).toBe(2);
        expect(await db.value('SELECT count(*) FROM orders')).toBe(0);
        return (error as Error).message.replace(dir, 'DIR');
      }),
    );

  test('a missing file', async () => {
    expect(await failure(null)).toBe('input file DIR/missing.csv does not exist');
  });
  test('an empty file', async () => {
    expect(await failure('')).toBe('DIR/o.csv has no header line (the file is empty or starts with a blank line)');
  });
  test('a required column absent', async () => {
    expect(await failure('order_id,customer_id,amount\n1,c1,2\n')).toContain('lacks required column(s) "order_ts"');
  });
  test('a wrong delimiter is named', async () => {
    expect(await failure('order_id;customer_id;order_ts;amount\n1;c1;2025-01-01;2\n')).toContain('The header looks ";"-delimited: set formats.orders.delimiter (or csv.delimiter) in the config.');
  });
  test('a header-only file is read as zero rows, not an error', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const [file] = await ingestInputs(db, { orders: [writeFile(dir, 'o.csv', `${HEADER}\n`)] }, options, silentLogger);
        expect(file).toMatchObject({ rows_read: 0, rows_accepted: 0 });
      }),
    );
  });
});

describe('partitioned inputs', () => {
  test('Parquet partitioned by month in folders (as exported from a warehouse) is read through one glob', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        await db.run(`COPY (SELECT 'o' || i AS order_id, 'c' || (i % 7) AS customer_id, TIMESTAMP '2025-01-01' + INTERVAL (i) DAY AS order_ts,
            CAST(10 + i AS DECIMAL(18, 2)) AS amount, strftime(TIMESTAMP '2025-01-01' + INTERVAL (i) DAY, '%Y-%m') AS month
          FROM range(90) t(i)) TO '${dir}/orders' (FORMAT parquet, PARTITION_BY (month))`);
        const files = await ingestInputs(db, { orders: [`${dir}/orders/**/*.parquet`] }, options, silentLogger);
        expect(files).toHaveLength(3);
        expect(files.reduce((s, f) => s + f.rows_accepted, 0)).toBe(90);
        expect(await db.value('SELECT CAST(sum(amount) AS VARCHAR) FROM orders')).toBe(String(90 * 10 + (89 * 90) / 2) + '.00');
      }),
    );
  });
});

describe('referrals: who brought whom', () => {
  test('a header "date" is read as referral_date; a self-referral, a second referrer for one customer and a bad date are rejected with their reasons', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const path = writeFile(dir, 'referrals.csv', ['referrer_id,referred_id,date', 'c1,c2,2025-03-01', 'c1,c3,2025-04-01', 'c4,c4,2025-04-02',
          'c5,c3,2025-05-01', 'c1,c6,2025-02-30', 'c1,c2,2025-03-01'].join('\n') + '\n');
        const [file] = await ingestInputs(db, { referrals: [path] }, options, silentLogger);
        expect(file).toMatchObject({ kind: 'referrals', rows_read: 6, rows_accepted: 2, rows_rejected: 3, rows_duplicate: 1 });
        expect(await db.all('SELECT referrer_id, referred_id, CAST(referral_date AS VARCHAR) AS d FROM referrals ORDER BY referred_id')).toEqual([
          { referrer_id: 'c1', referred_id: 'c2', d: '2025-03-01' }, { referrer_id: 'c1', referred_id: 'c3', d: '2025-04-01' },
        ]);
        const reasons = (await rejects(db)).map((r) => [r.line, r.reason]);
        expect(reasons).toEqual([
          [4, "referrer_id 'c4' refers themself (referred_id is the same customer)"],
          [5, "referred_id 'c3' already appears at line 3 of this file with different values"],
          [6, expect.stringMatching(/^referral_date '2025-02-30' is not/)],
        ]);
        expect(await classes(db)).toEqual(['self_referral', 'referred_id_repeated_with_other_values', expect.stringMatching(/^referral_date_/)]);
      }),
    );
  });

  test('a later file cannot give a referred customer another referrer; the same referral again is a duplicate', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const first = writeFile(dir, 'r1.csv', 'referrer_id,referred_id,date\nc1,c2,2025-03-01\nc1,c3,2025-04-01\n');
        await ingestInputs(db, { referrals: [first] }, options, silentLogger);
        const second = writeFile(dir, 'r2.csv', 'referrer_id,referred_id,date\nc9,c3,2025-06-01\nc1,c2,2025-03-01\nc9,c8,2025-06-01\n');
        const [file] = await ingestInputs(db, { referrals: [second] }, { ...options, runId: 'run-2' }, silentLogger);
        expect(file).toMatchObject({ rows_read: 3, rows_accepted: 1, rows_rejected: 1, rows_duplicate: 1 });
        // A rejection made at the merge (the file itself clean, its lines counted, not copied) keeps the line's text.
        expect(await db.all(`SELECT line, raw, reason, reason_class FROM rejected_rows WHERE run_id = 'run-2'`)).toEqual([
          { line: 2, raw: 'c9,c3,2025-06-01', reason: `referred_id 'c3' already has referrer_id 'c1' (from ${first}); a second one is not taken`, reason_class: 'referred_id_has_another_referrer_id' },
        ]);
        expect(await db.all('SELECT referrer_id, referred_id FROM referrals ORDER BY referred_id')).toEqual([
          { referrer_id: 'c1', referred_id: 'c2' }, { referrer_id: 'c1', referred_id: 'c3' }, { referrer_id: 'c9', referred_id: 'c8' },
        ]);
      }),
    );
  });

  test('a file without the columns is refused naming them; a mapping of the operator\'s is used', async () => {
    await withTempDir((dir) =>
      withDb(async (db) => {
        const bad = writeFile(dir, 'bad.csv', 'advocate,friend,when\nc1,c2,2025-03-01\n');
        await expect(ingestInputs(db, { referrals: [bad] }, options, silentLogger)).rejects.toThrow(/lacks required column\(s\) "referrer_id", "referred_id", "referral_date"/);
        const mapped = { ...options, columns: { ...options.columns, referrals: { referrer_id: 'advocate', referred_id: 'friend', referral_date: 'when' } } };
        const [file] = await ingestInputs(db, { referrals: [bad] }, mapped, silentLogger);
        expect(file).toMatchObject({ rows_accepted: 1 });
      }),
    );
  });
});

describe('a large file is stored in whole row groups', () => {
  // DuckDB's CSV reader hands its records over a buffer at a time, and each buffer's records reach the orders table as
  // one batch: a batch of more records than a row group (122,880 rows) was stored as a full row group and a small one,
  // which every later checkpoint rewrote (stageFile.ts, RECORD_BUFFER_BYTES). 300,000 lines of 49 bytes came, with the
  // reader's default buffers, in batches of about 170,000 records: stored in row groups of 122,880 and about 48,000.
  test('300,000 orders: every row group but the last holds at least half a row group', async () => {
    await withTempDir(async (dir) => {
      const n = 300_000;
      const lines = Array.from({ length: n }, (_, i) => {
        const day = String(1 + (i % 28)).padStart(2, '0');
        return `O${String(i).padStart(7, '0')},C${String(i % 50_000).padStart(7, '0')},2025-03-${day}T10:00:00Z,${(10 + (i % 900) / 10).toFixed(2)},USD`;
      });
      const path = writeFile(dir, 'orders.csv', [HEADER, ...lines].join('\n') + '\n');
      // On more than one thread: the reader's batches are stored as batches.
      await withDb(async (db) => {
        const [file] = await ingestInputs(db, { orders: [path] }, options, silentLogger);
        expect(file).toMatchObject({ rows_read: n, rows_accepted: n, rows_rejected: 0 });
        const groups = (await db.all<{ rows: number }>(`SELECT sum(count) AS rows FROM pragma_storage_info('orders') WHERE column_path = '[0]' GROUP BY row_group_id ORDER BY row_group_id`)).map((g) => Number(g.rows));
        expect(groups.reduce((a, b) => a + b, 0)).toBe(n);
        expect(groups.slice(0, -1).filter((rows) => rows < 61_440)).toEqual([]);
        // Still in the file's order: the first and the last line where the file has them.
        expect(await db.all('SELECT order_id, source_line FROM orders WHERE rowid IN (0, $last) ORDER BY rowid', { last: n - 1 })).toEqual([
          { order_id: 'O0000000', source_line: 2 }, { order_id: `O${String(n - 1).padStart(7, '0')}`, source_line: n + 1 },
        ]);
      }, { threads: 2 });
    });
  });
});
