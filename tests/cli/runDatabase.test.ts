import { expect, test } from 'vitest';
import { withRunDatabase } from '../../pipeline/cli/runDatabase.js';
import { InputError } from '../../pipeline/errors.js';
import { scoredDatabase } from '../helpers/scoredDatabase.js';
import { withTempDir } from '../helpers/withDb.js';

test('opens a run database read-only for the body; a missing table is an input error saying to run first', async () => {
  await withTempDir(async (dir) => {
    const db = await scoredDatabase(dir);
    expect(await withRunDatabase({ db }, 'customer_scores', (d) => d.value('SELECT count(*) FROM customer_scores'))).toBe(5);
    await expect(withRunDatabase({ db }, 'customer_scores', (d) => d.run('DELETE FROM customer_scores'))).rejects.toThrow(/read-only/i);
    await expect(withRunDatabase({ db }, 'kpis_monthly', async () => 1)).rejects.toThrow(InputError);
  });
});
