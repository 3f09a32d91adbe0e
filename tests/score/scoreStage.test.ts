import { afterAll, beforeAll, expect, test } from 'vitest';
import { scoringSchema } from '../../pipeline/config.js';
import { scoreStage } from '../../pipeline/score/scoreStage.js';
import { stagedRun, type StagedRun } from '../helpers/stagedRun.js';

let run: StagedRun;
beforeAll(async () => {
  run = await stagedRun('train', { neural: false });
});
afterAll(() => run.close());

test('every customer known at as-of is scored once, with the champion', async () => {
  const input = run.state as Parameters<typeof scoreStage.run>[2];
  const out = await scoreStage.run(run.ctx, { horizonDays: 90, seed: 42, currency: 'USD', scoring: scoringSchema.parse({}) }, input);
  const n = await run.db.value<number>('SELECT count(*) FROM customer_features');
  expect(out.scored).toBe(n);
  expect(await run.db.value('SELECT count(DISTINCT customer_id) FROM customer_scores')).toBe(n);
  expect(await run.db.value('SELECT count(*) FROM customer_scores WHERE model_version <> $1', [run.state.models!.version])).toBe(0);
  expect(await run.db.value('SELECT count(*) FROM customer_scores WHERE predicted_clv_12m_p10 IS NULL')).toBe(0);
  expect(await scoreStage.rows!(run.ctx, out)).toEqual({ rows_in: n, rows_out: n });
});
