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

test("personas that cannot be kept in the version's folder are a warning, not a failed run: the scores are published as fitted", async () => {
  const fresh = await stagedRun('train', { neural: false });
  try {
    // Where personas.json would go stands a folder with a file in it: the rename that keeps the model fails.
    const { mkdirSync, writeFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const kept = join(fresh.state.modelDir!, 'personas.json');
    mkdirSync(kept);
    writeFileSync(join(kept, 'in-the-way'), 'x');
    const lines: string[] = [];
    const { default: pino } = await import('pino');
    const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const input = fresh.state as Parameters<typeof scoreStage.run>[2];
    const out = await scoreStage.run({ ...fresh.ctx, log }, { horizonDays: 90, seed: 42, currency: 'USD', scoring: scoringSchema.parse({}) }, input);
    expect(out.scored).toBe(await fresh.db.value<number>('SELECT count(*) FROM customer_features'));
    expect(await fresh.db.value<number>('SELECT count(DISTINCT persona_id) FROM customer_personas')).toBeGreaterThan(1);
    const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && l.msg.startsWith('personas: could not keep them'));
    expect(warned).toHaveLength(1);
    expect(warned[0]!.msg).toContain('a later run with it fits them again');
    expect(statSync(kept).isDirectory()).toBe(true);
  } finally {
    fresh.close();
  }
});
