/**
 * # The marketing loop, for a CRM analyst
 *
 * A literate notebook that walks through one turn of the loop on a
 * publication: what the last run asked marketing to do (and whom it held
 * back as controls), what earlier runs' actions did once their horizon
 * passed, which save rate the budget now uses, the buyer personas behind
 * the segments, and the ambassadors to invite. On the demo, two runs a
 * horizon apart show the whole loop:
 *
 *     npx fidelio demo-data --out data/loop --end-date 2026-06-30
 *     npx fidelio run --orders data/loop/orders.csv --customers data/loop/customers.csv --tickets data/loop/tickets.csv \
 *       --referrals data/loop/referrals.csv --db data/loop.duckdb --out data/loop-out --as-of 2026-06-30
 *     npx fidelio demo-data --follow-up data/loop-out --out data/loop        # the 90 days after, with a true effect per action
 *     npx fidelio run --orders data/loop/orders.csv --orders data/loop/follow-up.csv --customers data/loop/customers.csv \
 *       --tickets data/loop/tickets.csv --referrals data/loop/referrals.csv --db data/loop.duckdb --out data/loop-out --as-of 2026-09-28
 *     npm run notebooks -- --published data/loop-out
 *
 * and writes notebooks/out/crm-loop.html. A test executes it on such a pair
 * of runs so that it never rots.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../pipeline/db/Database.js';
import { OVERALL_EFFECTS, type ActionEffect } from '../pipeline/effects/buildActionEffects.js';
import { effectSentence } from '../pipeline/effects/actionEffectWords.js';
import type { ActionRate } from '../pipeline/shared/actionRate.js';
import { esc, page, runCells, section, table, type Cell } from './notebook.js';

const cells: Cell[] = [
  {
    title: 'What did the last run ask marketing to do?',
    prose: 'Each action\'s customers, how many are to be contacted, and why the others are not: opted out, contacted within the cooldown, beyond the budget, or held back as the control group that later runs measure the action against. value_kept is what the contacts are expected to keep (value if retained x churn x the action\'s rate, less the cost).',
    sql: `SELECT action, count(*) AS customers, count(*) FILTER (WHERE contact) AS contacted, count(*) FILTER (WHERE is_control) AS controls,
      count(*) FILTER (WHERE contact_blocked_by = 'opted_out') AS opted_out, count(*) FILTER (WHERE contact_blocked_by = 'cooldown') AS cooldown,
      count(*) FILTER (WHERE contact_blocked_by = 'budget') AS over_budget, round(sum(value_kept) FILTER (WHERE contact), 0) AS value_kept
    FROM customer_scores WHERE action <> 'none' GROUP BY action ORDER BY customers DESC`,
    words: (rows) => {
      const contacted = rows.reduce((a, r) => a + Number(r.contacted), 0);
      const controls = rows.reduce((a, r) => a + Number(r.controls), 0);
      return `${contacted.toLocaleString('en-US')} customers to contact, ${controls.toLocaleString('en-US')} held back as controls.`;
    },
  },
  {
    title: 'Who comes first in the save list?',
    prose: 'The save list in action_priority: the customers whose save keeps most, with the reasons a marketer reads before calling. value_if_retained is what they are worth if they stay; value_at_risk, the older figure, counts the riskiest twice down.',
    sql: `SELECT action_priority, customer_id, persona, round(churn_probability, 3) AS churn, round(value_if_retained, 0) AS value_if_retained,
      round(value_kept, 0) AS value_kept, round(value_at_risk, 0) AS value_at_risk, reasons
    FROM customer_scores WHERE action = 'save' AND contact ORDER BY action_priority LIMIT 10`,
  },
];

const personaCells: Cell[] = [
  {
    title: 'Who are the buyer personas?',
    prose: 'Customers clustered on how they buy (rhythm, basket, discounts, weekend buying, tenure, complaints, channel, favourite category, country); each persona named by what sets it apart from everyone, with its size, share of value, churn and the actions it receives.',
    sql: `SELECT persona_id, persona, customers, round(share_of_value, 3) AS share_of_value, round(mean_churn_probability, 3) AS mean_churn,
      save, surprise, grow, nurture, win_back, contacted, ambassadors
    FROM personas ORDER BY persona_id`,
  },
  {
    title: 'What makes each persona what it is?',
    prose: 'The description of each persona: the traits that set it apart, each with its figure against everyone\'s.',
    sql: 'SELECT persona_id, description FROM personas ORDER BY persona_id',
  },
  {
    title: 'Which personas make up each segment?',
    prose: 'An RFM segment says where customers are in their life with the shop; the persona says how they buy. A save campaign to at_risk customers reads differently to app bargain hunters than to big-basket store buyers.',
    sql: `SELECT segment, persona, customers, round(share_of_segment, 3) AS share_of_segment
    FROM segment_personas WHERE segment IN ('champions', 'loyal', 'at_risk', 'cant_lose', 'hibernating') ORDER BY segment, customers DESC`,
  },
  {
    title: 'Whom to invite as ambassadors?',
    prose: 'Valuable, loyal, long-standing, safe, recent and without an unresolved complaint; a customer who already referred others is credited with their value (referred_value), which orders the list.',
    sql: `SELECT customer_id, persona, round(value_score, 0) AS value_score, referred_customers, round(referred_value, 0) AS referred_value, orders_count, days_since_last_order
    FROM customer_scores WHERE is_ambassador ORDER BY value_score + referred_value DESC, customer_id LIMIT 15`,
  },
];

/** The earlier runs' actions against their controls, in words (action_effects), and the rates the budget used (run_manifest.json). */
async function effectsSection(db: Database, published: string): Promise<string> {
  const effects = await db.all<ActionEffect>(`SELECT * FROM action_effects e WHERE ${OVERALL_EFFECTS} ORDER BY as_of DESC, run_id DESC, action`);
  const currency = (await db.value<string>('SELECT any_value(currency) FROM customer_scores')) ?? '';
  const measured = effects.filter((e) => e.status === 'measured');
  const sentences = effects.map((e) => `<li>${esc(effectSentence(e, currency, 30))}</li>`).join('');
  const manifestPath = join(published, 'run_manifest.json');
  const rates = existsSync(manifestPath) ? ((JSON.parse(readFileSync(manifestPath, 'utf8')) as { action_rates?: ActionRate[] }).action_rates ?? []) : [];
  const rateRows = rates.map((r) => ({ action: r.action, rate: r.rate, source: r.source, measured_on: r.measured?.as_of ?? '', interval: r.measured ? `${r.measured.low.toFixed(3)} to ${r.measured.high.toFixed(3)}` : '' }));
  const known = measured.length
    ? `${measured.length} action${measured.length === 1 ? '' : 's'} measured so far; each contacted group is compared with its own control group over the run's horizon.`
    : 'No action has been measured yet: a run\'s contacts are measured by the first run whose as-of is a horizon later.';
  return section('Did the actions work?', `Once an action's horizon has passed, its contacted customers are compared with its control group: the share who bought (retention), the spend, the net value after the contact's cost, with 90% intervals. ${known}`,
    `<ul>${sentences || '<li>No contacts recorded yet.</li>'}</ul>`)
    + section('Which rate does the budget use?', 'An action\'s measured save rate (the share of the control group\'s churn it prevented) replaces the assumed scoring.budget.saveRate once its interval is narrow enough (scoring.effects.ratePrecision).', table(rateRows));
}

/** Runs every cell against a publication folder and returns the notebook as one HTML page. */
export async function crmLoop(published: string): Promise<string> {
  const db = await Database.open(join(published, 'fidelio.duckdb'), { readOnly: true });
  try {
    // A publication from before the loop's tables: say so instead of failing on the first cell.
    const missing = [];
    for (const t of ['personas', 'segment_personas', 'action_effects']) if (!(await db.hasTable(t))) missing.push(t);
    if (missing.length) {
      return page('The marketing loop', published, `<p>This publication has no ${esc(missing.join(', '))}: it comes from a version of fidelio before them. Run <code>fidelio run</code> again to publish them.</p>`, []);
    }
    const sections = [...(await runCells(db, cells)), await effectsSection(db, published), ...(await runCells(db, personaCells))];
    const intro = '<p>One turn of the marketing loop: contact, hold back a control group, wait a horizon, measure, and let what was measured price the next budget.</p>';
    return page('The marketing loop', published, intro, sections);
  } finally {
    db.close();
  }
}
