import { expect, test } from 'vitest';
import { decidePromotion } from '../../pipeline/registry/promotion.js';
import type { RegistryRow } from '../../pipeline/registry/registry.js';

const row = (over: Partial<RegistryRow>): RegistryRow => ({
  model_version: 'fidelio-a', created_at: '2026-01-01T00:00:00.000Z', run_id: 'r', path: '/m/a', as_of: '2026-09-30',
  holdout_cutoff: '2026-07-02', churn_model: 'neural', value_model: 'neural', churn_log_loss: 0.40, churn_auc: 0.87,
  recency_auc: 0.85, value_gini: 0.80, data_fingerprint: 'f', package_version: '0.1.0', status: 'challenger', promoted_at: null, ...over,
});

test('on the same holdout a worse challenger is refused and a better one promoted', () => {
  const champion = row({ model_version: 'fidelio-champ', status: 'champion', churn_log_loss: 0.40, value_gini: 0.80 });
  const worse = decidePromotion(row({ model_version: 'fidelio-new', churn_log_loss: 0.41, value_gini: 0.81 }), champion);
  expect(worse.promoted).toBe(false);
  expect(worse.reason).toContain('does not beat the champion fidelio-champ');
  const lowerGini = decidePromotion(row({ model_version: 'fidelio-new', churn_log_loss: 0.39, value_gini: 0.70 }), champion);
  expect(lowerGini.promoted).toBe(false);
  expect(decidePromotion(row({ model_version: 'fidelio-new', churn_log_loss: 0.39, value_gini: 0.80 }), champion).promoted).toBe(true);
});

test('on another holdout the challenger must beat recency alone', () => {
  const champion = row({ model_version: 'fidelio-champ', status: 'champion', holdout_cutoff: '2026-04-03' });
  expect(decidePromotion(row({ model_version: 'fidelio-new', churn_auc: 0.84, recency_auc: 0.85 }), champion).promoted).toBe(false);
  expect(decidePromotion(row({ model_version: 'fidelio-new', churn_auc: 0.86, recency_auc: 0.85 }), champion).promoted).toBe(true);
  // With no champion at all, a model is promoted even so (something must score), and the reason says so.
  const only = decidePromotion(row({ churn_auc: 0.84, recency_auc: 0.85 }), undefined);
  expect(only).toMatchObject({ promoted: true });
  expect(only.reason).toContain('promoted for want of any other');
});

test('a retrain that comes out the champion itself is not a promotion: nothing changed, and it says so', () => {
  const champion = row({ model_version: 'fidelio-champ', status: 'champion' });
  expect(decidePromotion(row({ model_version: 'fidelio-champ' }), champion)).toEqual({
    promoted: false, unchanged: true,
    reason: 'retrained on the same data, the models came out the same as the champion fidelio-champ: nothing changed, it stays the champion',
  });
});
