import { NUMERIC_FEATURES } from '../../pipeline/learn/preprocess.js';
import { Random } from '../../pipeline/shared/random.js';

/**
 * A base shaped like a shop's: recency and rhythm from a few days to years,
 * one-off buyers, heavy spenders, rare complaints and refunds, missing ages
 * and line-item figures, a handful of channels and countries (and some
 * unknown); churn labels from recency, rhythm and complaints with noise.
 */
export function shop(n: number, seed: number) {
  const rng = new Random(seed);
  const data: Record<string, Float64Array | (string | null)[]> = {};
  for (const f of NUMERIC_FEATURES) data[f.name] = new Float64Array(n);
  const set = (name: string, i: number, v: number) => ((data[name] as Float64Array)[i] = v);
  const channels = ['web', 'store', 'app', 'phone'];
  const countries = ['US', 'DE', 'ES', 'FR', 'GB', 'NL', 'IT', 'PL', 'SE', 'PT'];
  data.preferred_channel = [];
  data.country = [];
  const churned = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const days = 1 + rng.int(rng.bernoulli(0.3) ? 3 : 40);
    const recency = Math.round(-Math.log(1 - rng.uniform()) * 120);
    const gap = days >= 3 ? 10 + rng.uniform() * 120 : NaN;
    const aov = Math.exp(3 + rng.normal() * 0.8);
    const tenure = recency + Math.round((days - 1) * (Number.isNaN(gap) ? 20 : gap));
    const complaints = rng.bernoulli(0.08) ? 1 + rng.int(3) : 0;
    set('recency_days', i, recency);
    set('tenure_days', i, tenure);
    set('purchase_days', i, days);
    set('orders_count', i, days + rng.int(2));
    set('gap_mean_days', i, gap);
    set('gap_std_days', i, Number.isNaN(gap) ? NaN : gap * rng.uniform());
    for (const [name, span] of [['orders_30d', 30], ['orders_90d', 90], ['orders_180d', 180], ['orders_365d', 365], ['orders_prev_90d', 90]] as const) {
      set(name, i, recency <= span ? Math.min(days, 1 + rng.int(Math.max(1, Math.round(span / (gap || 60))))) : 0);
    }
    set('net_spend', i, days * aov * (rng.bernoulli(0.05) ? -0.1 : 1));
    set('gross_spend', i, days * aov * 1.1);
    set('avg_order_value', i, aov);
    set('max_order_value', i, aov * (1 + rng.uniform() * 3));
    for (const name of ['spend_30d', 'spend_90d', 'spend_180d', 'spend_365d', 'spend_prev_90d']) set(name, i, rng.bernoulli(0.5) ? aov * rng.int(4) : 0);
    set('days_overdue', i, Number.isNaN(gap) ? NaN : recency - gap);
    set('overdue_ratio', i, Number.isNaN(gap) ? NaN : recency / gap);
    set('trend_90d', i, rng.normal());
    set('mom_spend_change', i, rng.normal());
    set('yoy_spend_change', i, rng.normal());
    set('refund_count', i, rng.bernoulli(0.1) ? 1 : 0);
    set('refunded_value', i, rng.bernoulli(0.1) ? aov : 0);
    set('refund_rate', i, rng.uniform() * 0.2);
    set('discount_share', i, rng.bernoulli(0.1) ? NaN : rng.uniform());
    set('category_count', i, 1 + rng.int(6));
    set('tickets_365d', i, complaints + rng.int(2));
    set('complaints_90d', i, complaints > 0 && rng.bernoulli(0.5) ? 1 : 0);
    set('complaints_365d', i, complaints);
    set('unresolved_complaints', i, complaints > 0 && rng.bernoulli(0.4) ? 1 : 0);
    set('days_since_last_complaint', i, complaints > 0 ? rng.int(365) : NaN);
    set('signup_tenure_days', i, tenure + rng.int(100));
    set('age_years', i, rng.bernoulli(0.3) ? NaN : 18 + rng.int(60));
    set('returned_items_share', i, rng.uniform() * 0.1);
    set('avg_basket_items', i, rng.bernoulli(0.2) ? NaN : 1 + rng.uniform() * 5);
    set('avg_basket_lines', i, 1 + rng.uniform() * 3);
    set('distinct_products', i, 1 + rng.int(50));
    set('btyd_p_alive', i, Math.exp(-recency / 200));
    set('btyd_expected_purchases', i, days / 10);
    set('btyd_p_no_purchase', i, 1 - Math.exp(-recency / 300));
    set('btyd_season_index', i, 0.8 + rng.uniform() * 0.4);
    data.preferred_channel.push(rng.bernoulli(0.05) ? null : channels[rng.int(channels.length)]!);
    data.country.push(rng.bernoulli(0.05) ? null : countries[rng.int(countries.length)]!);
    churned[i] = recency / (Number.isNaN(gap) ? 90 : gap) + complaints - 0.3 * Math.log(days) + 0.5 * rng.normal() > 1.2 ? 1 : 0;
  }
  return { data, n, churned };
}
