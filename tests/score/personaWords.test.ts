import { expect, test } from 'vitest';
import { describePersona, type PersonaStats } from '../../pipeline/score/personaWords.js';

const everyone: PersonaStats = {
  persona_id: 0, customers: 1000, orders_per_year: 2.2, avg_order_value: 40, discount_share: 0.3, weekend_share: 0.35, tenure_days: 400, complaint_share: 0.1,
  top_channel: 'web', top_channel_share: 0.4, top_channel_overall_share: 0.4, top_category: 'books', top_category_share: 0.2, top_category_overall_share: 0.2,
  top_country: 'ES', top_country_share: 0.15, top_country_overall_share: 0.15,
};

test('a persona is named by its strongest traits and the channel most of it holds, with the figures behind each word', () => {
  const stats: PersonaStats = {
    ...everyone, persona_id: 2, customers: 250, orders_per_year: 1.44, avg_order_value: 23.6, discount_share: 0.83, weekend_share: 0.72,
    top_channel: 'app', top_channel_share: 0.91, top_channel_overall_share: 0.37, top_category_share: 0.25,
  };
  const words = describePersona(
    [{ trait: 'discount_share', z: 1.9 }, { trait: 'weekend_share', z: 1.2 }, { trait: 'avg_order_value', z: -0.45 }, { trait: 'tenure_days', z: 0.1 }],
    stats, everyone, 'EUR');
  // The basket is 0.45 sd below everyone: not enough to name; the category is not held by most.
  expect(words.name).toBe('discount-driven weekend app buyers');
  expect(words.description).toBe('discount-driven weekend app buyers: 83% of purchases discounted (everyone: 30%), 72% of purchase days on a weekend (everyone: 35%), '
    + '91% buy mostly through app (everyone: 37%), 1.4 orders a year (everyone: 2.2), baskets of 24 EUR (everyone: 40)');
});

test('low traits take their own words; at most three are named; a category and a country held by most are named', () => {
  const stats: PersonaStats = {
    ...everyone, persona_id: 1, orders_per_year: 0.9, avg_order_value: 95, discount_share: 0.05, tenure_days: 1200, complaint_share: 0.4,
    top_category: 'fashion', top_category_share: 0.7, top_category_overall_share: 0.2, top_country: 'FR', top_country_share: 0.8, top_country_overall_share: 0.2,
  };
  const words = describePersona(
    [{ trait: 'orders_per_year', z: -0.6 }, { trait: 'avg_order_value', z: 1.5 }, { trait: 'discount_share', z: -0.9 }, { trait: 'tenure_days', z: 1.1 }, { trait: 'complaints_365d', z: 0.55 }],
    stats, everyone, 'USD');
  expect(words.name).toBe('big-basket long-standing full-price fashion buyers in FR');
  // Every trait apart is said, strongest first, each with its figure.
  expect(words.description).toBe('big-basket long-standing full-price fashion buyers in FR: baskets of 95 USD (everyone: 40), a customer for 3.3 years (everyone: 13 months), '
    + '5% of purchases discounted (everyone: 30%), 0.9 orders a year (everyone: 2.2), 40% complained in the last year (everyone: 10%), 70% buy mostly fashion (everyone: 20%), 80% in FR (everyone: 20%)');
});

test('a persona with nothing apart is "typical buyers"; a complaint trait below everyone is not named', () => {
  const words = describePersona([{ trait: 'orders_per_year', z: 0.2 }, { trait: 'complaints_365d', z: -0.8 }], { ...everyone, persona_id: 3 }, everyone, 'USD');
  expect(words.name).toBe('typical buyers');
  expect(words.description).toBe('typical buyers: 2.2 orders a year (everyone: 2.2), baskets of 40 USD (everyone: 40)');
  // Complaints are said after the noun.
  const complaining = describePersona([{ trait: 'complaints_365d', z: 2.1 }, { trait: 'orders_per_year', z: 1.2 }], { ...everyone, persona_id: 4, complaint_share: 1 }, everyone, 'USD');
  expect(complaining.name).toBe('frequent buyers with complaints');
  expect(complaining.description.startsWith('frequent buyers with complaints: 100% complained in the last year (everyone: 10%), 2.2 orders a year')).toBe(true);
});

test("a kept persona keeps its name; its description quotes today's figures of the words in that name", () => {
  const scores = [{ trait: 'discount_share', z: 1.9 }, { trait: 'weekend_share', z: 1.2 }];
  const first: PersonaStats = { ...everyone, persona_id: 2, discount_share: 0.83, weekend_share: 0.72, top_channel: 'app', top_channel_share: 0.91, top_channel_overall_share: 0.37 };
  const fitted = describePersona(scores, first, everyone, 'EUR');
  expect(fitted.named).toEqual({ channel: 'app', category: null, country: null });
  const kept = { words: fitted.name, ...fitted.named };
  // Applied to the same figures, the kept name gives the same words.
  expect(describePersona(scores, first, everyone, 'EUR', kept)).toEqual(fitted);
  // Today app is held by fewer of its members (55%: no longer enough to name it), and the persona's figures moved: the name stays, the figures are today's.
  const today = { ...first, discount_share: 0.8, top_channel_share: 0.55 };
  expect(describePersona(scores, today, everyone, 'EUR').name).toBe('discount-driven weekend buyers');
  const words = describePersona(scores, today, everyone, 'EUR', kept);
  expect(words.name).toBe('discount-driven weekend app buyers');
  expect(words.description).toBe('discount-driven weekend app buyers: 80% of purchases discounted (everyone: 30%), 72% of purchase days on a weekend (everyone: 35%), '
    + '55% buy mostly through app (everyone: 37%), 2.2 orders a year (everyone: 2.2), baskets of 40 EUR (everyone: 40)');
  // A kept name's channel that is no longer the persona's most held is not quoted; a channel the name does not hold is not added.
  const moved = describePersona(scores, { ...today, top_channel: 'web', top_channel_share: 0.7 }, everyone, 'EUR', kept);
  expect(moved.description).not.toContain('buy mostly through');
  expect(moved.name).toBe('discount-driven weekend app buyers');
});
