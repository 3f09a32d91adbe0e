import { expect, test } from 'vitest';
import { auditStage, tablesMentioned } from '../../pipeline/runner/stageAudit.js';
import { withDb } from '../helpers/withDb.js';

test('the tables a statement names: not in comments, strings or aliases; bound table names count', () => {
  const tables = ['orders', 'customers', 'customer_scores'];
  expect(tablesMentioned(`SELECT count(*) AS customers FROM orders -- customers here\n WHERE note = 'customers'`, undefined, tables)).toEqual(['orders']);
  expect(tablesMentioned('SELECT s.orders_count FROM customer_scores s /* orders */', undefined, tables)).toEqual(['customer_scores']);
  expect(tablesMentioned('SELECT * FROM query_table($source)', { source: 'orders' }, tables)).toEqual(['orders']);
  expect(tablesMentioned('SELECT c.customers FROM x c', undefined, tables)).toEqual([]);
});

test('a stage audit sees the tables created, replaced or appended to, and those named', async () => {
  await withDb(async (db) => {
    await db.run('CREATE TABLE kept (x INTEGER); CREATE TABLE grown (x INTEGER); CREATE TABLE replaced (x INTEGER); CREATE TABLE read_only (x INTEGER)');
    const watch = await auditStage(db, 'test');
    await db.run('INSERT INTO grown VALUES (1)');
    await db.run('CREATE OR REPLACE TABLE replaced AS SELECT * FROM read_only');
    await db.run('CREATE TABLE made (y INTEGER); CREATE TEMP TABLE scratch (z INTEGER)');
    const audit = await watch.finish();
    expect(audit.changed).toEqual(['grown', 'made', 'replaced']);
    expect(audit.mentioned).toEqual(['grown', 'made', 'read_only', 'replaced']);
    // After finish the database is no longer watched.
    await db.run('INSERT INTO kept VALUES (1)');
    expect((await watch.finish()).mentioned).not.toContain('kept');
  });
});

test('a stage audit sees views created or replaced, and a table made a view, as changed; a view left alone is not', async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE base (x INTEGER); CREATE VIEW untouched AS SELECT x FROM base; CREATE VIEW redefined AS SELECT x FROM base;
      CREATE TABLE scores (x INTEGER)`);
    const watch = await auditStage(db, 'test');
    await db.run('CREATE VIEW fresh AS SELECT x FROM base; CREATE OR REPLACE VIEW redefined AS SELECT x + 1 AS x FROM base');
    // As the publication does: the table renamed, a view of it under the old name.
    await db.run('ALTER TABLE scores RENAME TO published; CREATE VIEW scores AS SELECT * FROM published; CREATE TEMP VIEW scratch AS SELECT 1');
    const audit = await watch.finish();
    expect(audit.changed).toEqual(['fresh', 'published', 'redefined', 'scores']);
  });
});
