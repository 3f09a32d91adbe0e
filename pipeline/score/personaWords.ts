/*
 * A persona's name and description in a marketer's words, from what sets
 * it apart: the traits whose mean in the persona lies at least half a
 * standard deviation from everyone's (the centre's standardised
 * coordinates), strongest first, and a channel, favourite category or
 * country held by most of it and clearly more than by everyone. "discount-driven weekend app
 * buyers: 81% of purchases discounted, 74% of purchase days on a weekend,
 * 90% through app; 1.4 orders a year, baskets of 38 USD".
 */

export interface TraitScore {
  trait: string;
  /** The persona's centre on the trait, in standard deviations from everyone's mean. */
  z: number;
}

/** persona_stats.sql's row of a persona (persona_id 0: everyone). */
export type PersonaStats = {
  persona_id: number;
  customers: number;
  orders_per_year: number | null;
  avg_order_value: number | null;
  discount_share: number | null;
  weekend_share: number | null;
  tenure_days: number | null;
  complaint_share: number | null;
  top_channel: string | null;
  top_channel_share: number | null;
  top_channel_overall_share: number | null;
  top_category: string | null;
  top_category_share: number | null;
  top_category_overall_share: number | null;
  top_country: string | null;
  top_country_share: number | null;
  top_country_overall_share: number | null;
};

/** A trait sets a persona apart when its centre is this many standard deviations from everyone's mean. */
export const APART_Z = 0.5;
/** A channel or country names a persona when at least this share of it holds it, and this much more than of everyone. */
const HELD_SHARE = 0.6;
const HELD_LIFT = 0.15;
const MAX_WORDS = 3;

const pct = (v: number | null) => `${Math.round(100 * (v ?? 0))}%`;
const one = (v: number | null) => (v ?? 0).toFixed(1);

function tenure(days: number | null): string {
  const d = days ?? 0;
  return d >= 540 ? `a customer for ${(d / 365).toFixed(1)} years` : `a customer for ${Math.max(1, Math.round(d / 30.44))} months`;
}

const WORDS: Record<string, { high: string; low?: string; figure?: (s: PersonaStats, all: PersonaStats, currency: string) => string }> = {
  orders_per_year: { high: 'frequent', low: 'occasional', figure: (s, all) => `${one(s.orders_per_year)} orders a year (everyone: ${one(all.orders_per_year)})` },
  avg_order_value: { high: 'big-basket', low: 'small-basket', figure: (s, all, c) => `baskets of ${Math.round(s.avg_order_value ?? 0)} ${c} (everyone: ${Math.round(all.avg_order_value ?? 0)})` },
  discount_share: { high: 'discount-driven', low: 'full-price', figure: (s, all) => `${pct(s.discount_share)} of purchases discounted (everyone: ${pct(all.discount_share)})` },
  weekend_share: { high: 'weekend', low: 'weekday', figure: (s, all) => `${pct(s.weekend_share)} of purchase days on a weekend (everyone: ${pct(all.weekend_share)})` },
  tenure_days: { high: 'long-standing', low: 'newer', figure: (s, all) => `${tenure(s.tenure_days)} (everyone: ${tenure(all.tenure_days).replace('a customer for ', '')})` },
  // Said after the noun: "frequent buyers with complaints".
  complaints_365d: { high: 'with complaints', figure: (s, all) => `${pct(s.complaint_share)} complained in the last year (everyone: ${pct(all.complaint_share)})` },
};

const held = (share: number | null, overall: number | null) => (share ?? 0) >= HELD_SHARE && (share ?? 0) >= (overall ?? 0) + HELD_LIFT;

/** The channel, category and country a persona's name holds (null where none). */
export interface NamedLevels {
  channel: string | null;
  category: string | null;
  country: string | null;
}

/**
 * The persona's name ("discount-driven weekend app buyers") and its
 * description with the figures behind each word. With `kept` (the name a
 * kept persona model gave it and the levels that name holds) the name stays
 * and the description quotes today's figures of the same words: a named
 * channel, category or country while it is still the persona's most held.
 */
export function describePersona(
  scores: TraitScore[], s: PersonaStats, all: PersonaStats, currency: string, kept?: NamedLevels & { words: string },
): { name: string; description: string; named: NamedLevels } {
  const apart = scores
    .filter((t) => WORDS[t.trait] && Math.abs(t.z) >= APART_Z && (t.z > 0 || WORDS[t.trait]!.low))
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || (a.trait < b.trait ? -1 : 1));
  const named = apart.slice(0, MAX_WORDS);
  const words = named.map((t) => (t.z > 0 ? WORDS[t.trait]!.high : WORDS[t.trait]!.low!));
  const suffixes = words.filter((w) => w.startsWith('with '));
  const adjectives = words.filter((w) => !w.startsWith('with '));
  const still = (level: string | null, top: string | null) => (level !== null && level === top ? level : null);
  const channel = kept ? still(kept.channel, s.top_channel) : held(s.top_channel_share, s.top_channel_overall_share) ? s.top_channel : null;
  const category = kept ? still(kept.category, s.top_category) : held(s.top_category_share, s.top_category_overall_share) ? s.top_category : null;
  const country = kept ? still(kept.country, s.top_country) : held(s.top_country_share, s.top_country_overall_share) ? s.top_country : null;
  const noun = channel ? `${channel} buyers` : words.length || category ? 'buyers' : 'typical buyers';
  const name = kept ? kept.words : [...adjectives, ...(category ? [category] : []), noun, ...suffixes].join(' ') + (country ? ` in ${country}` : '');

  const facts = apart.map((t) => WORDS[t.trait]!.figure?.(s, all, currency)).filter((f): f is string => Boolean(f));
  if (channel) facts.push(`${pct(s.top_channel_share)} buy mostly through ${channel} (everyone: ${pct(s.top_channel_overall_share)})`);
  if (category) facts.push(`${pct(s.top_category_share)} buy mostly ${category} (everyone: ${pct(s.top_category_overall_share)})`);
  if (country) facts.push(`${pct(s.top_country_share)} in ${country} (everyone: ${pct(s.top_country_overall_share)})`);
  // Rhythm and basket always, for a persona's scale.
  for (const trait of ['orders_per_year', 'avg_order_value']) {
    const f = WORDS[trait]!.figure!(s, all, currency);
    if (!facts.includes(f)) facts.push(f);
  }
  return { name, description: `${name}: ${facts.join(', ')}`, named: kept ? { channel: kept.channel, category: kept.category, country: kept.country } : { channel, category, country } };
}
