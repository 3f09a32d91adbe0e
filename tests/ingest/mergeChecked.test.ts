import { expect, test } from 'vitest';
import { mergeChecked } from '../../pipeline/ingest/mergeChecked.js';
import { specs } from '../../pipeline/shared/inputSpecs.js';
import { withDb } from '../helpers/withDb.js';

/** `checked` as validateStage leaves it for a customers file. */
async function checked(db: Parameters<typeof mergeChecked>[0], rows: [number, string, string | null, string][]) {
  await db.run(`CREATE OR REPLACE TEMP TABLE checked (line BIGINT, raw VARCHAR, reason VARCHAR, reason_class VARCHAR, status VARCHAR, customer_id VARCHAR, signup_date DATE,
    birth_date DATE, country VARCHAR, acquisition_channel VARCHAR, opted_out BOOLEAN, name VARCHAR, email VARCHAR)`);
  await db.run('CREATE OR REPLACE TEMP TABLE stage_lines (line BIGINT, raw VARCHAR)');
  for (const [line, id, country, status] of rows) {
    await db.run(`INSERT INTO checked VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, NULL, NULL, NULL, NULL)`,
      [line, status === 'rejected' ? `raw ${line}` : null, status === 'rejected' ? 'missing customer_id' : null, status === 'rejected' ? 'missing_customer_id' : null, status, id, country]);
  }
}

test('into an empty table every accepted row is new; later files add, duplicate or update by key; rejects are recorded', async () => {
  await withDb(async (db) => {
    await checked(db, [[2, 'a', 'ES', 'ok'], [3, 'b', 'FR', 'ok'], [4, '', null, 'rejected']]);
    expect(await mergeChecked(db, specs.customers, 'c1.csv', 'run-1', true)).toEqual({ rows_accepted: 2, rows_rejected: 1, rows_duplicate: 0, rows_new: 2, rows_updated: 0 });
    await checked(db, [[2, 'a', 'ES', 'ok'], [3, 'b', 'DE', 'ok'], [4, 'c', 'IT', 'ok'], [5, 'c', 'IT', 'duplicate']]);
    expect(await mergeChecked(db, specs.customers, 'c2.csv', 'run-2', false)).toEqual({ rows_accepted: 2, rows_rejected: 0, rows_duplicate: 2, rows_new: 1, rows_updated: 1 });
    expect(await db.all('SELECT customer_id, country, source_file, source_line, loaded_run FROM customers ORDER BY customer_id')).toEqual([
      { customer_id: 'a', country: 'ES', source_file: 'c1.csv', source_line: 2, loaded_run: 'run-1' },
      { customer_id: 'b', country: 'DE', source_file: 'c2.csv', source_line: 3, loaded_run: 'run-2' },
      { customer_id: 'c', country: 'IT', source_file: 'c2.csv', source_line: 4, loaded_run: 'run-2' },
    ]);
    expect(await db.all('SELECT run_id, kind, file, line, raw, reason, reason_class FROM rejected_rows')).toEqual([
      { run_id: 'run-1', kind: 'customers', file: 'c1.csv', line: 4, raw: 'raw 4', reason: 'missing customer_id', reason_class: 'missing_customer_id' },
    ]);
  });
});
