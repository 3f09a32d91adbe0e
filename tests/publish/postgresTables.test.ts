import { expect, test } from 'vitest';
import { commentSql, createIndexSql, createTableSql, dropIndexSql, indexName, pgTables, pgType, primaryKeySql, RETIRED_INDEXES } from '../../pipeline/publish/postgresTables.js';
import { DATA_DICTIONARY, type TableEntry } from '../../pipeline/shared/dataDictionary.js';

const entry: TableEntry = {
  name: 'customer_scores', meaning: "the scores' table", key: ['customer_id'], sinks: ['postgres'],
  columns: [
    { name: 'customer_id', type: 'VARCHAR', meaning: 'id' },
    { name: 'as_of', type: 'DATE', notNull: true, meaning: 'day' },
    { name: 'is_vip', type: 'BOOLEAN', meaning: "it's a VIP" },
    { name: 'revenue', type: 'DECIMAL(38,2)', meaning: 'money' },
    { name: 'manifest', type: 'VARCHAR', pgType: 'jsonb', meaning: 'json' },
  ],
};

test('a declaration becomes a typed table with NOT NULL where declared and on its key, the key added as primary key once the rows are in', () => {
  expect(createTableSql('fidelio', entry)).toBe(`CREATE TABLE "fidelio"."customer_scores" (
  "customer_id" text NOT NULL,
  "as_of" date NOT NULL,
  "is_vip" boolean,
  "revenue" numeric,
  "manifest" jsonb
)`);
  expect(createTableSql('fidelio', entry, { unlogged: true })).toMatch(/^CREATE UNLOGGED TABLE "fidelio"\."customer_scores" \(\n  "customer_id" text NOT NULL,/);
  expect(primaryKeySql('fidelio', entry)).toEqual(['ALTER TABLE "fidelio"."customer_scores" ADD PRIMARY KEY ("customer_id")']);
  // A rejected line may be carried from run to run: no key.
  expect(primaryKeySql('fidelio', { ...entry, name: 'rejected_rows', key: ['run_id', 'file', 'line'] })).toEqual([]);
  expect(pgType(entry.columns[4]!)).toBe('jsonb');
});

test('indexes on what the lists filter by, and a comment on the table and every column with quotes doubled', () => {
  expect(createIndexSql('fidelio', entry)).toEqual([
    'CREATE INDEX "customer_scores_action_action_priority_idx" ON "fidelio"."customer_scores" ("action", "action_priority")',
    'CREATE INDEX "customer_scores_churn_risk_where_is_vip_idx" ON "fidelio"."customer_scores" ("churn_risk") WHERE "is_vip"',
  ]);
  // On a table an earlier publication made, after the commit: without blocking readers, and only if missing.
  expect(createIndexSql('fidelio', entry, { concurrently: true })[1]).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS "customer_scores_churn_risk_where_is_vip_idx" ON "fidelio"."customer_scores" ("churn_risk") WHERE "is_vip"');
  expect(RETIRED_INDEXES.customer_scores!.map((index) => dropIndexSql('fidelio', indexName('customer_scores', index))))
    .toEqual(['segment', 'value_tier', 'is_vip_churn_risk'].map((n) => `DROP INDEX IF EXISTS "fidelio"."customer_scores_${n}_idx"`));
  expect(dropIndexSql('fidelio', 'customer_scores_segment_idx', { concurrently: true })).toBe('DROP INDEX CONCURRENTLY IF EXISTS "fidelio"."customer_scores_segment_idx"');
  expect(commentSql('bi', entry)).toEqual([
    `COMMENT ON TABLE "bi"."customer_scores" IS 'the scores'' table'`,
    `COMMENT ON COLUMN "bi"."customer_scores"."customer_id" IS 'id'`,
    `COMMENT ON COLUMN "bi"."customer_scores"."as_of" IS 'day'`,
    `COMMENT ON COLUMN "bi"."customer_scores"."is_vip" IS 'it''s a VIP'`,
    `COMMENT ON COLUMN "bi"."customer_scores"."revenue" IS 'money'`,
    `COMMENT ON COLUMN "bi"."customer_scores"."manifest" IS 'json'`,
  ]);
});

test('PostgreSQL gets the publication, the history, the figures and the runs', () => {
  expect(pgTables(DATA_DICTIONARY).map((t) => t.name)).toEqual([
    'customer_scores', 'kpis_monthly', 'kpis_by_group', 'action_effects', 'personas', 'segment_personas', 'persona_choice',
    'customer_scores_history', 'customers', 'rejected_rows', 'model_metrics', 'runs',
  ]);
});
