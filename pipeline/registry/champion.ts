import type { Database } from '../db/Database.js';
import { MAX_EPOCHS, PATIENCE } from '../learn/network.js';
import { disposeNetworks, type Architectures } from '../learn/neuralModels.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import type { Logger } from '../log.js';
import { populationStability } from './drift.js';
import { decidePromotion } from './promotion.js';
import { champion, listModels, loadModelVersion, loadPersonaModel, promote, registerModel, saveModelVersion } from './registry.js';

/** When a run may score with the champion instead of training. */
export interface RetrainPolicy {
  /** Always train a challenger (--retrain). */
  always: boolean;
  /** Retrain when the champion's as-of is more than this many days before this run's. */
  maxAgeDays: number;
  /** Retrain when a main feature's population stability index exceeds this. */
  maxPsi: number;
  /** Whether this run may use networks (a champion with networks is not reused without them). */
  neural: boolean;
}

/** The outcome of training for the manifest: the model trained (null when none), whether it became the champion, and why. */
export interface ModelDecision {
  trained: string | null;
  promoted: boolean;
  reason: string;
  /** Trained again and came out the champion itself: nothing changed. */
  unchanged?: boolean;
}

/**
 * The champion, when this run need not train: not --retrain, the
 * champion's as-of at most maxAgeDays before this run's, its folder
 * intact, and no main feature drifted past maxPsi.
 */
export async function reusableChampion(db: Database, asOf: string, policy: RetrainPolicy, log: Logger): Promise<{ models: TrainedModels; decision: ModelDecision; dir: string } | undefined> {
  if (policy.always) return undefined;
  const current = await champion(db);
  if (!current) return undefined;
  const age = (Date.parse(asOf) - Date.parse(current.as_of)) / 86_400_000;
  if (age < 0 || age > policy.maxAgeDays) {
    log.info({ champion: current.model_version, age_days: age }, 'retraining: the champion is older than retrain.maxAgeDays');
    return undefined;
  }
  let models: TrainedModels;
  try {
    models = await loadModelVersion(current.path);
  } catch (err) {
    log.warn({ champion: current.model_version, err }, 'retraining: the champion cannot be loaded');
    return undefined;
  }
  if ((models.neural && !policy.neural) || !models.profile) return undefined;
  const psi = await populationStability(db, models.profile);
  const worst = Math.max(...Object.values(psi));
  if (worst > policy.maxPsi) {
    log.info({ champion: current.model_version, psi }, 'retraining: the customer base drifted past retrain.maxPsi');
    return undefined;
  }
  const reason = `the champion ${current.model_version} (as of ${current.as_of}, ${age} days before) still fits: largest PSI ${worst.toFixed(3)}; --retrain forces training`;
  log.info({ psi }, reason);
  return { models, decision: { trained: null, promoted: false, reason }, dir: current.path };
}

/**
 * The epochs the champion's backtest network trained to its best epoch:
 * recorded (best_epochs), or, for a version saved before it was, the epochs
 * it ran less the early-stopping patience when it stopped before the cap
 * (undefined otherwise: the retrain stops early as before).
 */
function epochsToBest(n: { epochs?: number | undefined; best_epochs?: number | undefined } | undefined): number | undefined {
  if (n?.best_epochs) return n.best_epochs;
  return n?.epochs && n.epochs < MAX_EPOCHS && n.epochs > PATIENCE ? n.epochs - PATIENCE : undefined;
}

/**
 * The champion's network architectures (one each for churn and value), as
 * its backtest chose them (recorded in its metrics: the networks train for
 * the backtest even when neither wins), with the epochs its backtest took
 * to the best epoch (epochsToBest), when it has them and loads.
 */
export async function championArchitectures(db: Database): Promise<(Architectures & { version: string }) | undefined> {
  const current = await champion(db);
  if (!current) return undefined;
  try {
    const { metrics, neural } = await loadModelVersion(current.path);
    if (neural) disposeNetworks(neural);
    const churn = neural?.churn.hidden ?? metrics.networks?.churn.hidden;
    const value = neural?.value.hidden ?? metrics.networks?.value.hidden;
    if (!churn || !value) return undefined;
    const epochs = { churn: epochsToBest(metrics.networks?.churn), value: epochsToBest(metrics.networks?.value) };
    return { churn: [churn], value: [value], version: current.model_version, ...(epochs.churn || epochs.value ? { epochs } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Saves and registers a freshly trained challenger, promotes it when it
 * beats the champion (decidePromotion), and returns the models that score
 * this run: the challenger when promoted, otherwise the kept champion with
 * the challenger's backtest published beside its own (`metrics.challenger`).
 */
export async function adoptChallenger(db: Database, trained: TrainedModels, modelsDir: string, asOf: string, runId: string, log: Logger): Promise<{ models: TrainedModels; decision: ModelDecision; dir: string }> {
  const path = await saveModelVersion(modelsDir, trained, asOf);
  await registerModel(db, trained, path, asOf, runId);
  const current = await champion(db);
  const challenger = (await listModels(db)).find((r) => r.model_version === trained.version)!;
  const { promoted, reason, unchanged } = decidePromotion(challenger, current);
  if (promoted) await promote(db, trained.version);
  log.info({ model_version: trained.version, promoted, reason }, unchanged ? 'retrained: the same model as the champion, nothing changed' : promoted ? 'the new model is the champion' : 'the champion stays');
  const decision = { trained: trained.version, promoted, reason, ...(unchanged ? { unchanged } : {}) };
  if (promoted || unchanged) {
    // A version scored before (the champion trained to itself, or an earlier version trained again) keeps its personas.
    const personas = loadPersonaModel(path);
    return { models: { ...trained, ...(personas ? { personas } : {}) }, decision, dir: path };
  }
  const kept = await loadModelVersion(current!.path);
  if (trained.neural) disposeNetworks(trained.neural);
  return { models: { ...kept, metrics: { ...kept.metrics, challenger: trained.metrics } }, decision, dir: current!.path };
}
