import { expect, test } from 'vitest';
import { BTYD_FEATURE_FIGURES, createBtydFeaturesView, createFigures, forgetBtydFeatures } from '../../pipeline/features/btydFeaturesView.js';
import { customerFeaturesRead, withBtydFeatures } from '../../pipeline/train/featureColumns.js';

const customerFeaturesWithBtyd = async (db: Parameters<typeof customerFeaturesRead>[0]) => (await customerFeaturesRead(db)).source;
import { withDb } from '../helpers/withDb.js';

test('btyd_features pairs each row of customer_features with the figures appended in its row order, and is forgotten whole', async () => {
  await withDb(async (db) => {
    // customer_features in customer order, as the features stage stores it.
    await db.run(`CREATE TABLE customer_features AS SELECT 'C' || lpad(CAST(i AS VARCHAR), 3, '0') AS customer_id, DATE '2026-09-30' AS as_of
      FROM range(5) t(i) ORDER BY customer_id`);
    // A table of that name, as runs before issue 25 left it, gives way.
    await db.run('CREATE TABLE btyd_features (as_of VARCHAR, customer_id VARCHAR)');
    await forgetBtydFeatures(db);
    await createFigures(db);
    await db.appendColumns(BTYD_FEATURE_FIGURES, [0, 1, 2, 3].map((k) => Float64Array.from({ length: 5 }, (_, i) => 10 * i + k)));
    await createBtydFeaturesView(db, '2026-09-30');
    expect(await db.isView('btyd_features')).toBe(true);
    const rows = await db.all('SELECT * FROM btyd_features');
    expect(rows).toEqual(Array.from({ length: 5 }, (_, i) => ({
      as_of: '2026-09-30', customer_id: `C00${i}`, btyd_p_alive: 10 * i, btyd_expected_purchases: 10 * i + 1, btyd_p_no_purchase: 10 * i + 2, btyd_season_index: 10 * i + 3,
    })));
    // The columns and types the table had.
    expect(await db.all('SELECT column_name, column_type FROM (DESCRIBE btyd_features)')).toEqual([
      { column_name: 'as_of', column_type: 'VARCHAR' }, { column_name: 'customer_id', column_type: 'VARCHAR' },
      ...['btyd_p_alive', 'btyd_expected_purchases', 'btyd_p_no_purchase', 'btyd_season_index'].map((c) => ({ column_name: c, column_type: 'DOUBLE' })),
    ]);
    // A join on the customer finds each one's own figures.
    expect(await db.value('SELECT btyd_p_no_purchase FROM customer_features f JOIN btyd_features b USING (customer_id) WHERE f.customer_id = $1', ['C003'])).toBe(32);
    await forgetBtydFeatures(db);
    expect(await db.isView('btyd_features')).toBe(false);
    expect(await db.isTable(BTYD_FEATURE_FIGURES)).toBe(false);
    // Forgetting nothing is no error.
    await forgetBtydFeatures(db);
  });
});

test("every customer's features with BG/NBD's are read by position while btyd_features pairs customer_features' rows, the same rows as the join; joined otherwise", async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE customer_features AS SELECT 'C' || lpad(CAST((i * 7) % 11 AS VARCHAR), 3, '0') AS customer_id, DATE '2026-09-30' AS as_of, i * 1.5 AS net_spend
      FROM range(11) t(i) ORDER BY customer_id`);
    await forgetBtydFeatures(db);
    await createFigures(db);
    await db.appendColumns(BTYD_FEATURE_FIGURES, [0, 1, 2, 3].map((k) => Float64Array.from({ length: 11 }, (_, i) => 10 * i + k)));
    await createBtydFeaturesView(db, '2026-09-30');
    const read = async (source: string) => db.all(`SELECT * FROM ${source} ORDER BY customer_id`);
    const joined = await read(withBtydFeatures('customer_features'));
    expect(joined.map((r) => r.btyd_season_index)).toEqual(Array.from({ length: 11 }, (_, i) => 10 * i + 3));
    const source = await customerFeaturesWithBtyd(db);
    expect(source).toContain('POSITIONAL JOIN');
    expect((await customerFeaturesRead(db)).inOrder).toBe(true);
    expect(await read(source)).toEqual(joined);
    // Figures for another number of rows, or of another as-of, are not paired by position: the join reads them as it would.
    await db.run(`CREATE OR REPLACE VIEW btyd_features AS SELECT '2026-09-29' AS as_of, f.customer_id, g.* FROM customer_features f POSITIONAL JOIN ${BTYD_FEATURE_FIGURES} g`);
    expect(await customerFeaturesWithBtyd(db)).toBe(withBtydFeatures('customer_features'));
    await createBtydFeaturesView(db, '2026-09-30');
    await db.run(`INSERT INTO ${BTYD_FEATURE_FIGURES} VALUES (1, 2, 3, 4)`);
    expect(await customerFeaturesWithBtyd(db)).toBe(withBtydFeatures('customer_features'));
    // No view (a worker's views of a share of the customers are of another database's tables): joined, not in order.
    await forgetBtydFeatures(db);
    expect(await customerFeaturesRead(db)).toEqual({ source: withBtydFeatures('customer_features'), inOrder: false });
  });
});
