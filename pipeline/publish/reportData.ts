import type { ActionEffect } from '../effects/buildActionEffects.js';
import type { Database, Row } from '../db/Database.js';
import { readSql } from '../db/sqlFile.js';
import { listFilter, selectList, type CustomerList } from './customerList.js';

/** A movement between the previous run's and this run's scores (transitions.sql). */
export interface Transition extends Row {
  dimension: string;
  previous: string;
  current: string;
  customers: number;
}

/** Everything the report shows from the run's tables, each from the SQL file named after it. */
export interface ReportData {
  head: Record<string, number>;
  tiers: Row[];
  actions: Row[];
  /** The at-risk VIPs to contact: `fidelio list at-risk-vip --top REPORT_LIST_TOP`, the same selection. */
  atRiskList: CustomerList;
  /** The at-risk VIPs given an action but held back (control, opted out, cooldown, budget), most at stake first. */
  atRisk: Row[];
  kpis: Row[];
  rejects: Row[];
  /** The orders that never became sales, by status (report_left_out.sql). */
  leftOut?: Row[];
  transitions: Transition[];
  vipsToHigh: Row[];
  effects: ActionEffect[];
  /** action_effects' persona rows (whoItWorksOn picks each action's newest measured run). */
  effectGroups: ActionEffect[];
  /** The most valuable 20 ambassadors, each row with the totals (report_ambassadors.sql). */
  ambassadors: Row[];
  /** The buyer personas (score/personas.sql), each segment's mix (segment_personas.sql) and each k tried (persona_choice). */
  personas: Row[];
  segmentPersonas: Row[];
  personaChoice: Row[];
  /** Oldest first. */
  monthly: { month: string; revenue: number; customers_active: number; vips_active: number }[];
  concentration: { customers: number; value: number }[];
}

/** How many customers the report's list shows (the CLI's with --top this). */
export const REPORT_LIST_TOP = 25;

/** The report's list of at-risk VIPs: the CLI's own selection (customerList.ts) on this run's scores, the CLI's default filters. */
export async function reportList(db: Database): Promise<CustomerList> {
  const { what, where, params } = listFilter('at-risk-vip', { format: 'csv', risk: 'medium,high' });
  return selectList(db, { scores: 'customer_scores', customers: await db.hasTable('customers') }, { what, where, params, top: REPORT_LIST_TOP });
}

export async function loadReportData(db: Database, runId: string): Promise<ReportData> {
  const sql = (name: string) => readSql(`publish/${name}.sql`);
  const monthly = await db.all<ReportData['monthly'][number]>(sql('report_monthly'));
  // The run the movements compare with, found once for both queries that read its rows.
  const previous = await db.one<{ run_id: string; as_of: string }>(sql('report_previous_run'), { run_id: runId });
  const previousRun = { previous_run: previous?.run_id ?? null, previous_as_of: previous?.as_of ?? null };
  return {
    head: (await db.one<Record<string, number>>(sql('report_headline')))!,
    tiers: await db.all(sql('report_tiers')),
    actions: await db.all(sql('report_actions')),
    atRiskList: await reportList(db),
    atRisk: await db.all(sql('report_at_risk_vips')),
    kpis: await db.all(sql('report_kpis')),
    rejects: await db.all(sql('report_rejects'), { run_id: runId }),
    leftOut: await db.all(sql('report_left_out')),
    transitions: await db.all<Transition>(sql('transitions'), previousRun),
    vipsToHigh: await db.all(sql('report_vips_to_high'), previousRun),
    effects: await db.all<ActionEffect>("SELECT * FROM action_effects WHERE breakdown = 'all' ORDER BY as_of DESC, run_id DESC, action"),
    effectGroups: await db.all<ActionEffect>("SELECT * FROM action_effects WHERE breakdown IN ('all', 'persona') ORDER BY as_of DESC, run_id DESC, action, group_name"),
    ambassadors: await db.all(sql('report_ambassadors')),
    personas: await db.all('SELECT * FROM personas ORDER BY persona_id'),
    segmentPersonas: await db.all('SELECT * FROM segment_personas ORDER BY segment, persona_id'),
    personaChoice: await db.all('SELECT * REPLACE (CAST(fitted_as_of AS VARCHAR) AS fitted_as_of) FROM persona_choice ORDER BY k'),
    monthly: monthly.reverse(),
    concentration: await db.all<ReportData['concentration'][number]>(sql('report_concentration')),
  };
}
