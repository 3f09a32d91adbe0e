import { expect, test } from 'vitest';
import { describeClasses, rejectionClasses } from '../../pipeline/ingest/rejectionClasses.js';
import { withDb } from '../helpers/withDb.js';

test('rejected lines grouped by class, a line with two problems in each, the first line as example; described in words', async () => {
  await withDb(async (db) => {
    await db.run(`INSERT INTO rejected_rows (run_id, kind, file, line, raw, reason, reason_class) VALUES
      ('r1', 'orders', 'o.csv', 9, 'x,9', 'order_ts ''x'' is not...', 'order_ts_not_a_date'),
      ('r1', 'orders', 'o.csv', 4, 'x,4', 'order_ts ''y'' is not...; amount ''z'' is not a number', 'order_ts_not_a_date;amount_not_a_number'),
      ('r1', 'customers', 'c.csv', 2, 'c,2', 'missing customer_id', 'missing_customer_id'),
      ('r2', 'orders', 'o.csv', 2, 'x,2', 'other run', 'amount_not_a_number')`);
    const classes = await rejectionClasses(db, 'r1');
    expect(classes).toEqual([
      { kind: 'orders', reason_class: 'order_ts_not_a_date', lines: 2, example_line: 4, example_reason: "order_ts 'y' is not...; amount 'z' is not a number", example_raw: 'x,4' },
      { kind: 'customers', reason_class: 'missing_customer_id', lines: 1, example_line: 2, example_reason: 'missing customer_id', example_raw: 'c,2' },
      { kind: 'orders', reason_class: 'amount_not_a_number', lines: 1, example_line: 4, example_reason: "order_ts 'y' is not...; amount 'z' is not a number", example_raw: 'x,4' },
    ]);
    expect((await rejectionClasses(db, 'r1', 'c.csv')).map((c) => c.reason_class)).toEqual(['missing_customer_id']);
    expect(describeClasses(classes, 2)).toBe("order_ts_not_a_date 2 lines (orders line 4: x,4: order_ts 'y' is not...; amount 'z' is not a number); missing_customer_id 1 line (customers line 2: c,2: missing customer_id)");
  });
});
