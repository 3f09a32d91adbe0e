import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { DataError } from '../../pipeline/errors.js';
import { ingestParams, ingestStage } from '../../pipeline/ingest/ingestStage.js';
import { silentLogger } from '../../pipeline/log.js';
import { untimed } from '../../pipeline/measure.js';
import { Publication } from '../../pipeline/runner/publication.js';
import type { StageContext } from '../../pipeline/stage.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

const context = (db: StageContext['db']): StageContext => ({
  db, log: silentLogger, step: untimed, runId: 'r', runTime: new Date('2026-11-01T00:00:00Z'), manifest: () => { throw new Error('not used'); }, publication: new Publication('out'),
});

test("the ingest slice of a configuration: the inputs, or the demo data set beside the database when there are none", () => {
  const p = ingestParams(loadConfig(undefined, { orders: ['o.csv'], currency: 'EUR', csv: { delimiter: ';' }, formats: { customers: { delimiter: ',', dateFormat: '%d/%m/%Y' } } }));
  expect(p).toMatchObject({ inputs: { orders: ['o.csv'] }, currency: 'EUR', maxRejectedShare: 0.05, earliestDate: '1990-01-01' });
  // csv.delimiter is each kind's default; a kind's own delimiter wins; a date format becomes a list.
  expect(p.formats.orders).toMatchObject({ delimiter: ';', decimal: '.', grain: 'order', dateFormats: [] });
  expect(p.formats.customers).toMatchObject({ delimiter: ',', dateFormats: ['%d/%m/%Y'] });
  const demo = ingestParams(loadConfig(undefined, { db: '/x/y/f.duckdb', demo: { customers: 60 } }));
  expect(demo.demo).toMatchObject({ dir: '/x/y/demo', options: { customers: 60, withBadRows: true } });
});

test('the stage loads the demo data when given none, and accounts for every line', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const params = ingestParams(loadConfig(undefined, { db: join(dir, 'f.duckdb'), demo: { customers: 60, months: 12 } }));
    const out = await ingestStage.run(context(db), params, {});
    expect(out.demo).toBe(true);
    expect(out.inputs.map((f) => f.kind)).toEqual(['orders', 'customers', 'tickets', 'referrals']);
    for (const f of out.inputs) expect(f.rows_read).toBe(f.rows_accepted + f.rows_rejected + f.rows_duplicate);
    expect(out.inputs[0]!.rows_rejected).toBe(7);
    expect(await ingestStage.rows!(context(db), out)).toEqual({
      rows_in: out.inputs.reduce((s, f) => s + f.rows_read, 0), rows_out: out.inputs.reduce((s, f) => s + f.rows_accepted, 0),
    });
  }));
});

test('a file with no usable order stops the run with a data error; the failed run\'s manifest still says why its lines were rejected', async () => {
  await withTempDir((dir) => withDb(async (db) => {
    const orders = writeFile(dir, 'o.csv', 'order_id,customer_id,order_ts,amount\n1,c1,someday,10\n2,c2,03/15/2026,12.50\n');
    const params = ingestParams(loadConfig(undefined, { orders: [orders] }));
    await expect(ingestStage.run(context(db), params, {})).rejects.toThrow(DataError);
    const part = await ingestStage.manifestIfFailed!({ db, runId: 'r' });
    expect(part.rejected_by_class!.map((c) => [c.kind, c.lines, c.example_line])).toEqual([['orders', 2, 2]]);
    // Another run's lines are not this one's.
    expect(await ingestStage.manifestIfFailed!({ db, runId: 'another' })).toEqual({});
  }));
});
