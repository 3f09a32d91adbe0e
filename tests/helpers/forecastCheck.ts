import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../pipeline/db/Database.js';
import { runCli } from './cli.js';

const DAY = 86_400_000;

/** A history file cut at `asOf`, and what its customers then did in the horizon after (read from the rest of the file). */
export interface Continuation {
  history: string;
  /** Each customer's spend in (asOf - H, asOf] and (asOf, asOf + H], and whether they bought in the horizon. */
  last: Map<string, number>;
  next: Map<string, number>;
}

/**
 * Splits an invoices file (order_id,customer_id,order_ts,amount; ISO UTC
 * times) at the end of `asOf`: the orders up to it go to `history`, the
 * spend of each customer in the horizon before and after is summed here,
 * in JavaScript, apart from the pipeline.
 */
export function cutAt(full: string, history: string, asOf: string, horizonDays: number): Continuation {
  const [header, ...lines] = readFileSync(full, 'utf8').trim().split('\n');
  const end = Date.parse(`${asOf}T00:00:00Z`) + DAY;
  const kept: string[] = [];
  const last = new Map<string, number>();
  const next = new Map<string, number>();
  for (const line of lines) {
    const [, customer, ts, amount] = line.split(',');
    const at = Date.parse(ts!);
    const cents = Math.round(Number(amount) * 100);
    if (at < end) {
      kept.push(line);
      if (at >= end - horizonDays * DAY) last.set(customer!, (last.get(customer!) ?? 0) + cents);
    } else if (at < end + horizonDays * DAY) next.set(customer!, (next.get(customer!) ?? 0) + cents);
  }
  writeFileSync(history, [header, ...kept].join('\n') + '\n');
  return { history, last, next };
}

/** The published forecast of the existing customers against what they did. */
export interface ForecastCheck {
  customers: number;
  actual: number;
  forecast: number;
  repeats: number;
  /** forecast / actual and "the horizon repeats the last" / actual. */
  forecast_ratio: number;
  repeats_ratio: number;
  mean_churn: number;
  observed_churn: number;
  model_version: string;
}

/** Runs the pipeline as of `asOf` on the cut history and sets its published customer_scores against the continuation. */
export async function checkForecast(dir: string, name: string, c: Continuation, asOf: string, config: object = {}): Promise<{ check: ForecastCheck; out: string }> {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(config));
  const out = join(dir, name, 'out');
  const db = join(dir, name, 'f.duckdb');
  const r = await runCli(['run', '--orders', c.history, '--currency', 'GBP', '--as-of', asOf, '--config', join(dir, `${name}.json`), '--db', db, '--out', out, '--models', join(dir, name, 'm')]);
  if (r.code !== 0) throw new Error(`run ${name} failed (${r.code}): ${r.errors}`);
  const d = await Database.open(db, { readOnly: true });
  try {
    const rows = await d.all<{ customer_id: string; predicted_value: number; churn_probability: number; model_version: string }>(
      'SELECT customer_id, predicted_value, churn_probability, model_version FROM customer_scores');
    let actual = 0;
    let forecast = 0;
    let repeats = 0;
    let churn = 0;
    let churned = 0;
    for (const s of rows) {
      const next = c.next.get(s.customer_id) ?? 0;
      actual += next / 100;
      repeats += (c.last.get(s.customer_id) ?? 0) / 100;
      forecast += s.predicted_value;
      churn += s.churn_probability;
      if (!c.next.has(s.customer_id)) churned++;
    }
    const n = rows.length;
    const round = (v: number) => Number(v.toFixed(4));
    return {
      out,
      check: {
        customers: n, actual: round(actual), forecast: round(forecast), repeats: round(repeats),
        forecast_ratio: round(forecast / actual), repeats_ratio: round(repeats / actual),
        mean_churn: round(churn / n), observed_churn: round(churned / n), model_version: rows[0]!.model_version,
      },
    };
  } finally {
    d.close();
  }
}
