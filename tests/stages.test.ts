import { expect, test } from 'vitest';
import { loadConfig } from '../pipeline/config.js';
import { migrations } from '../pipeline/db/migrations.js';
import { STAGES } from '../pipeline/stages.js';

/** The tables the migrations create: the stores that outlive a run. */
const migrated = new Set(migrations.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1]!)));

test('the stages run in the order data flows, each reading only what migrations or an earlier stage make', () => {
  expect(STAGES.map((s) => s.name)).toEqual(['ingest', 'features', 'train', 'score', 'publish']);
  const made = new Set(migrated);
  for (const stage of STAGES) {
    for (const table of stage.reads) expect(made.has(table), `${stage.name} reads ${table} before anything makes it`).toBe(true);
    for (const table of stage.writes) made.add(table);
  }
});

test('a derived table has one writer; the stores that outlive a run are appended to by the stage that owns them', () => {
  const writers = new Map<string, string[]>();
  for (const stage of STAGES) for (const t of stage.writes) writers.set(t, [...(writers.get(t) ?? []), stage.name]);
  // One hand-over: the publication renames the scored table published_scores and leaves customer_scores a view of
  // it (the same rows) for its readers until the next run's score stage writes its own.
  expect([...writers.entries()].filter(([, w]) => w.length > 1)).toEqual([['customer_scores', ['score', 'publish']]]);
  expect(writers.get('orders')).toEqual(['ingest']);
  expect(writers.get('customer_scores_history')).toEqual(['publish']);
  expect(writers.get('model_registry')).toEqual(['train']);
});

test("each stage takes its own slice of the configuration, and no stage's slice holds another's settings", () => {
  const config = loadConfig(undefined, { orders: ['o.csv'], horizonDays: 60, scoring: { controlShare: 0.2 }, kpis: { cmgrMonths: 6 } });
  const slices = Object.fromEntries(STAGES.map((s) => [s.name, s.params(config) as Record<string, unknown>]));
  expect(slices.ingest).toMatchObject({ inputs: { orders: ['o.csv'] }, currency: 'USD' });
  expect(slices.features).toMatchObject({ horizonDays: 60 });
  expect(slices.score).toMatchObject({ horizonDays: 60, scoring: { controlShare: 0.2 } });
  expect(slices.publish).toMatchObject({ cmgrMonths: 6 });
  // The publication folder (--out) comes with the run's context, which the runner owns, not in a slice.
  expect(slices.publish).not.toHaveProperty('out');
  for (const [name, slice] of Object.entries(slices)) {
    if (name !== 'score') expect(slice, name).not.toHaveProperty('scoring');
    if (name !== 'publish') expect(slice, name).not.toHaveProperty('cmgrMonths');
    if (name !== 'ingest') expect(slice, name).not.toHaveProperty('inputs');
  }
});
