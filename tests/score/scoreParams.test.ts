import { availableParallelism } from 'node:os';
import { expect, test } from 'vitest';
import { loadConfig, scoringSchema } from '../../pipeline/config.js';
import { customerScoresParams, customerScoresSql, scoreParams, topValueLimit } from '../../pipeline/score/scoreParams.js';

test("the score stage's slice, customer_scores.sql's bound parameters, and the operator's conditions inlined", () => {
  const config = loadConfig(undefined, { horizonDays: 60, seed: 7, scoring: { budget: { maxActions: 100 } } });
  const p = scoreParams(config);
  expect(p).toEqual({ horizonDays: 60, seed: 7, currency: 'USD', scoring: config.scoring, threads: availableParallelism(), margin: 1 });
  // the margin the earlier runs' effects are built with is the publication's (costs.grossMargin)
  expect(scoreParams(loadConfig(undefined, { costs: { perOrder: 1, perActiveCustomer: 0, grossMargin: 0.35 } })).margin).toBe(0.35);
  // duckdb.threads bounds the threads scoring uses
  expect(scoreParams(loadConfig(undefined, { duckdb: { threads: 1 } })).threads).toBe(1);
  const bound = customerScoresParams(p, 'fidelio-x');
  expect(bound).toMatchObject({ horizon: 60, seed: '7', model_version: 'fidelio-x', max_actions: 100, max_spend: null, control_share: 0.1 });
  for (const name of Object.keys(bound)) expect(customerScoresSql(p.scoring, 1000)).toContain(`$${name}`);
  const scoring = scoringSchema.parse({ vip: { rule: 'expression', expression: 'historic_value >= 2000' }, flags: { custom: [{ name: 'big_basket', expression: 'orders_count > 10' }] } });
  const sql = customerScoresSql(scoring, 1000);
  expect(sql).toContain('coalesce((historic_value >= 2000), false)');
  expect(sql).toContain("CASE WHEN coalesce((orders_count > 10), false) THEN 'big_basket' END");
  expect(customerScoresSql(scoringSchema.parse({}), 1000)).toContain('coalesce((false), false)');
  // The top_value flag's first rows, a number in the file: 1% of 1,000 customers, at least one.
  expect(customerScoresSql(scoringSchema.parse({}), 1000)).toMatch(/ORDER BY historic_value DESC, customer_id LIMIT 10\s/);
  expect(customerScoresSql(scoringSchema.parse({}), 1000)).not.toContain('/*top_value_limit*/');
  expect(topValueLimit(0.01, 1_000_000)).toBe(10_000);
  expect(topValueLimit(0.01, 99)).toBe(1);
  expect(topValueLimit(0, 0)).toBe(1);
  // 0.29 x 100 is 28.999999999999996 in doubles, in DuckDB as in JavaScript: floor(share x customers) is 28
  expect(topValueLimit(0.29, 100)).toBe(28);
  expect(() => topValueLimit(0.01, 1.5)).toThrow(/not a count/);
});
