import { afterAll, beforeAll, expect, test } from 'vitest';
import { scoringSchema } from '../../pipeline/config.js';
import { scoreModels } from '../../pipeline/score/scoreModels.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('train', { neural: false });
});
afterAll(() => run.close());

test("every customer gets the BTYD figures and the churn champion's probability; without networks neural_scores is empty", async () => {
  const models = run.state.models!;
  for (const churnModel of ['rf_table', 'bgnbd'] as const) {
    for (const btydModel of ['bgnbd', 'pareto'] as const) {
      await scoreModels(run.db, { ...models, churnModel, btydModel }, run.state.asOf!, { horizonDays: 90, seed: 42, currency: 'USD', scoring: scoringSchema.parse({ intervalDraws: 0 }) });
      const n = await run.db.value<number>('SELECT count(*) FROM customer_features');
      expect(await run.db.value('SELECT count(*) FROM btyd_scores')).toBe(n);
      expect(await run.db.value('SELECT count(*) FROM churn_scores WHERE churn_probability BETWEEN 0 AND 1')).toBe(n);
      expect(await run.db.value('SELECT count(*) FROM neural_scores')).toBe(0);
      if (churnModel === 'bgnbd') {
        // BG/NBD's P(no purchase), whichever BTYD model gives the other figures.
        expect(await run.db.value('SELECT count(*) FROM churn_scores c JOIN btyd_features b ON b.customer_id = c.customer_id AND b.as_of = $1 WHERE abs(c.churn_probability - b.btyd_p_no_purchase) > 1e-9', [run.state.asOf!])).toBe(0);
      }
    }
  }
  expect(await run.db.value(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'btyd_churn_scores'`)).toBe(0);
});
