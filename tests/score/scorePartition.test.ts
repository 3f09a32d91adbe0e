import { expect, test } from 'vitest';
import { parsePartition, partitionFilter } from '../../pipeline/score/scorePartition.js';
import { withDb } from '../helpers/withDb.js';

test('a share k/N is parsed strictly, and the N shares hold every customer exactly once', async () => {
  expect(parsePartition(' 2/4 ')).toEqual({ k: 2, n: 4 });
  for (const bad of ['4/4', '1/0', 'a/b', '1', '-1/3']) expect(() => parsePartition(bad), bad).toThrow(/--part must be k\/N/);
  await withDb(async (db) => {
    await db.run(`CREATE TABLE c AS SELECT 'c' || i AS customer_id FROM range(1000) t(i)`);
    const counts = [];
    for (let k = 0; k < 3; k++) counts.push(await db.value<number>(`SELECT count(*) FROM c WHERE ${partitionFilter({ k, n: 3 })}`));
    expect(counts.reduce((s, v) => s + v, 0)).toBe(1000);
    expect(Math.min(...counts)).toBeGreaterThan(250);
  });
});
