import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database, literal } from '../../pipeline/db/Database.js';
import { ACTIONS } from '../../pipeline/shared/actionRate.js';
import { hostedExport, type HostedOrder } from '../helpers/hostedExport.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/withDb.js';

/** A published CSV as rows of named fields (the fields fidelio writes hold no line breaks). */
function table(path: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header!.split(',');
  return rows.map((r) => {
    const fields = r.split(',');
    return Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
  });
}

const monthOf = (at: number) => new Date(at).toISOString().slice(0, 7);
const sale = (o: HostedOrder) => o.status !== 'voided' && o.status !== 'pending';

test('a hosted shop\'s export goes from fidelio inspect to a publication with the configuration inspect wrote: every order once, revenue the subtotal less refunds to the cent, the non-accepting on no list', async () => {
  await withTempDir(async (dir) => {
    const { csv, orders } = hostedExport(2026, 60, 260);
    const path = join(dir, 'orders_export.csv');
    writeFileSync(path, csv);
    const inspected = await runCli(['inspect', '--orders', path]);
    expect(inspected.errors).toBe('');
    expect(inspected.stdout).toContain('orderFields: "first_row"');
    expect(inspected.stdout).toContain('order_total: "Subtotal"');
    const config = join(dir, 'shop.yaml');
    writeFileSync(config, inspected.stdout);
    const db = join(dir, 'f.duckdb');
    const out = join(dir, 'out');
    const run = await runCli(['run', '--config', config, '--db', db, '--out', out, '--models', join(dir, 'models')]);
    expect(run.errors).toBe('');
    expect(run.code).toBe(0);

    // Every record read once: a line item each, whatever line breaks its notes and street hold.
    const records = orders.reduce((n, o) => n + o.items.length, 0);
    const physical = csv.trimEnd().split('\n').length - 1;
    expect(physical).toBeGreaterThan(records);
    const leftOut = orders.filter((o) => !sale(o));
    const manifest = JSON.parse(readFileSync(join(out, 'run_manifest.json'), 'utf8'));
    expect(manifest.inputs[0]).toMatchObject({
      rows_read: records, physical_lines: physical, rows_accepted: records, rows_rejected: 0, rows_duplicate: 0,
      orders_new: orders.length - leftOut.length, orders_left_out: leftOut.length, grain: 'line',
    });
    expect(leftOut.some((o) => o.status === 'voided') && leftOut.some((o) => o.status === 'pending')).toBe(true);
    // The manifest and the report say how many orders were left out, by status, with their amount (the export's subtotal).
    const by = (status: string) => leftOut.filter((o) => o.status === status);
    expect(manifest.orders_left_out).toEqual(['pending', 'voided'].map((status) => ({ status, orders: by(status).length, cents: by(status).reduce((n, o) => n + o.subtotalCents, 0) }))
      .sort((a, b) => b.orders - a.orders || a.status.localeCompare(b.status)).map((r) => ({ order_status: r.status, orders: r.orders, amount: r.cents / 100 })));
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(`${leftOut.length} orders never became sales`);

    // Revenue per month: each sale's subtotal (after its discount code) less its refund, not below 0, in the UTC month of its offset time.
    const cents: Record<string, number> = {};
    const counted: Record<string, number> = {};
    const guests: Record<string, number> = {};
    for (const o of orders.filter(sale)) {
      const m = monthOf(o.at);
      const net = Math.max(o.subtotalCents - o.refundedCents, 0);
      cents[m] = (cents[m] ?? 0) + net;
      counted[m] = (counted[m] ?? 0) + 1;
      if (!o.email) guests[m] = (guests[m] ?? 0) + net;
    }
    const kpis = table(join(out, 'kpis_monthly.csv'));
    const byMonth = (column: string) => Object.fromEntries(kpis.map((r) => [r.month!.slice(0, 7), Math.round(Number(r[column]) * 100)]).filter(([, v]) => v !== 0));
    expect(byMonth('revenue')).toEqual(cents);
    expect(byMonth('guest_revenue')).toEqual(Object.fromEntries(Object.entries(guests).filter(([, v]) => v !== 0)));
    expect(Object.fromEntries(kpis.map((r) => [r.month!.slice(0, 7), Number(r.orders)]).filter(([, v]) => v !== 0))).toEqual(counted);
    // The offsets decide the month: 2023-03-31 23:30 at -05:00 is April's, 2023-05-01 01:00 at +02:00 is April's.
    expect(orders.map((o) => o.createdAt)).toEqual(expect.arrayContaining(['2023-03-31 23:30:00 -0500', '2023-05-01 01:00:00 +0200']));
    // Line sums and order amounts disagree (discounts; refunds), and that is no error.
    expect(orders.some((o) => o.discountCents > 0 && sale(o))).toBe(true);

    // The customers, profiled from their orders: opted out when their latest order does not accept marketing.
    const latest = new Map<string, HostedOrder>();
    for (const o of orders.filter(sale)) if (o.email && (latest.get(o.email)?.at ?? -Infinity) < o.at) latest.set(o.email, o);
    const optedOut = new Set([...latest.values()].filter((o) => !o.acceptsMarketing).map((o) => o.email));
    const reader = await Database.open(':memory:');
    let scores: { customer_id: string; opted_out: boolean; contact: boolean; contact_blocked_by: string | null; is_ambassador: boolean }[];
    try {
      scores = await reader.all(`SELECT customer_id, coalesce(contains(flags, 'opted_out'), false) AS opted_out, contact, contact_blocked_by, is_ambassador
        FROM read_parquet(${literal(join(out, 'customer_scores.parquet'))})`);
    } finally {
      reader.close();
    }
    expect(scores).toHaveLength(latest.size);
    expect(new Set(scores.filter((s) => s.opted_out).map((s) => s.customer_id))).toEqual(optedOut);
    expect(optedOut.size).toBeGreaterThan(5);
    // Their actions are blocked by the opt-out, not chosen away: some would be contacted otherwise.
    const blocked = scores.filter((s) => s.contact_blocked_by === 'opted_out');
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((s) => optedOut.has(s.customer_id))).toBe(true);
    for (const s of scores.filter((r) => optedOut.has(r.customer_id))) expect([s.contact, s.is_ambassador]).toEqual([false, false]);
    // On no list: every list fidelio prints.
    let listed = 0;
    for (const what of ['at-risk-vip', 'ambassador', ...ACTIONS]) {
      const list = await runCli(['list', what, '--db', db, '--format', 'json']);
      expect(list.errors, what).toBe('');
      const ids = (JSON.parse(list.stdout) as { customer_id: string }[]).map((r) => r.customer_id);
      listed += ids.length;
      expect(ids.filter((id) => optedOut.has(id)), what).toEqual([]);
    }
    expect(listed).toBeGreaterThan(0);
    // The profile in the database: each customer's latest sale's billing country and name.
    const working = await Database.open(db);
    try {
      const profiles = await working.all<{ customer_id: string; country: string; name: string }>('SELECT customer_id, country, name FROM customers ORDER BY customer_id');
      expect(Object.fromEntries(profiles.map((c) => [c.customer_id, [c.country, c.name]]))).toEqual(Object.fromEntries([...latest.values()].map((o) => [o.email, [o.country, o.billingName]])));
    } finally {
      working.close();
    }
  });
}, 180_000);
