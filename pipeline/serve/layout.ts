import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { ACTIONS } from '../shared/actionRate.js';

/** A piece of page: text interpolated into it is escaped, never trusted. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The lists a marketer can open, with their names in the menu. */
export const LIST_NAMES: { name: string; label: string }[] = [
  { name: 'at-risk-vip', label: 'At-risk VIPs' },
  ...ACTIONS.map((a) => ({ name: a, label: a === 'win_back' ? 'Win back' : a[0]!.toUpperCase() + a.slice(1) })),
  { name: 'ambassador', label: 'Ambassadors' },
];

/** What the footer says of the publication shown. */
export interface PublicationInfo {
  runId: string;
  asOf: string;
  modelVersion: string;
  currency: string;
  horizonDays: number;
  cmgr: { months: number; from: string; to: string; value: number } | null;
  /** The models behind the published figures (the release's model_metrics.json), when it says: churn_probability is the churn champion's, predicted_clv_12m the value champion's, p_alive and expected_purchases the purchase model's. */
  models?: { churn: string; value: string; purchase: string };
}

export const money = (v: unknown, currency: string, digits = 0) => (typeof v === 'number' && Number.isFinite(v)
  ? `${v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}` : '–');
export const pct = (v: unknown, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(digits)}%` : '–');
export const num = (v: unknown, digits = 0) => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–');
export const signedPct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)}%` : '–');

/** A chart drawn by Chart.js in the browser from its data, which travels escaped in an attribute (never as inline script). */
export function chart(label: string, spec: unknown, tall = false): Html {
  return html`<figure class="chart${tall ? ' tall' : ''}"><canvas role="img" aria-label="${label}" data-chart="${JSON.stringify(spec)}"></canvas><figcaption>${label}</figcaption></figure>`;
}

export function page(title: string, active: string, info: PublicationInfo | undefined, body: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · fidelio</title><link rel="stylesheet" href="/assets/serve.css">
<script src="/assets/chart.umd.min.js" defer></script><script src="/assets/serve.js" defer></script></head>
<body><header><a class="brand" href="/">fidelio</a><nav>
<a href="/"${active === 'overview' ? raw(' aria-current="page"') : ''}>Overview</a>
${LIST_NAMES.map((l) => html`<a href="/lists/${l.name}"${active === l.name ? raw(' aria-current="page"') : ''}>${l.label}</a>`)}
<a href="/personas"${active === 'personas' ? raw(' aria-current="page"') : ''}>Personas</a>
<a href="/effects"${active === 'effects' ? raw(' aria-current="page"') : ''}>Effects</a>
<a href="/campaigns"${active === 'campaigns' ? raw(' aria-current="page"') : ''}>Campaigns</a>
</nav><form class="find" action="/customers" method="get"><input name="id" placeholder="Customer id" aria-label="Customer id"><button>Open</button></form></header>
<main>${body}</main>
${info ? html`<footer>Published scores as of ${info.asOf} (run ${info.runId}, model ${info.modelVersion}); amounts in ${info.currency}; churn over the next ${info.horizonDays} days.</footer>` : ''}
</body></html>`;
}

/** A page that says what went wrong, in words, with its status. */
export function problem(title: string, message: string, info?: PublicationInfo): Html {
  return page(title, '', info, html`<h1>${title}</h1><p class="problem">${message}</p><p><a href="/">Back to the overview</a></p>`);
}
