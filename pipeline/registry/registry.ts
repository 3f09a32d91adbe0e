import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../db/Database.js';
import { packageRoot } from '../db/sqlFile.js';
import { UsageError } from '../errors.js';
import { loadNeural, saveNeural } from '../learn/neuralIO.js';
import { parsePersonaModel, type PersonaModel } from '../learn/personaClusters.js';
import type { TrainedModels } from '../learn/trainedModels.js';
import { parseModelMetrics } from '../shared/modelMetrics.js';

/*
 * The model registry. Each trained model is a versioned folder under
 * --models (model.json: the table, the BTYD fits and the champions' names;
 * neural/: the networks and their preprocessing; metrics.json: the
 * backtest; meta.json: training window, data fingerprint, package
 * version; personas.json: the buyer personas, written at the version's
 * first scoring). The champion is recorded per database (`model_registry`), so a
 * database never scores with a model learnt on another business's data.
 */

export interface RegistryRow {
  model_version: string;
  created_at: string;
  run_id: string | null;
  path: string;
  as_of: string;
  holdout_cutoff: string;
  churn_model: string;
  value_model: string;
  churn_log_loss: number | null;
  churn_auc: number | null;
  recency_auc: number | null;
  value_gini: number | null;
  data_fingerprint: string | null;
  package_version: string | null;
  status: 'champion' | 'challenger' | 'retired';
  promoted_at: string | null;
}

const packageVersion = (): string => (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Writes a model version's folder; returns its path. */
export async function saveModelVersion(modelsDir: string, trained: TrainedModels, asOf: string): Promise<string> {
  const dir = resolve(modelsDir, trained.version);
  mkdirSync(dir, { recursive: true });
  const { neural, metrics, personas: _personas, ...rest } = trained;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(rest, null, 2) + '\n');
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({
    version: trained.version,
    as_of: asOf,
    holdout_cutoff: metrics.holdout.cutoff,
    training_window: metrics.windows,
    features: neural?.preprocessor.columns ?? null,
    data_fingerprint: trained.dataFingerprint,
    package_version: packageVersion(),
  }, null, 2) + '\n');
  if (neural) await saveNeural(neural, join(dir, 'neural'));
  return dir;
}

/** Reads a model version back from its folder; its metrics.json is checked against what its readers rely on (shared/modelMetrics.ts). */
export async function loadModelVersion(dir: string): Promise<TrainedModels> {
  if (!existsSync(join(dir, 'model.json'))) throw new UsageError(`${dir} holds no fidelio model (model.json is missing)`);
  const rest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Omit<TrainedModels, 'neural' | 'metrics'>;
  const metrics = parseModelMetrics(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')), join(dir, 'metrics.json'));
  const neural = existsSync(join(dir, 'neural')) ? await loadNeural(join(dir, 'neural')) : undefined;
  const personas = loadPersonaModel(dir);
  return { ...rest, metrics, neural, ...(personas ? { personas } : {}) };
}

/** The persona model kept in a model version's folder (personas.json); undefined where it holds none (not yet scored, or saved before personas were kept). */
export function loadPersonaModel(dir: string): PersonaModel | undefined {
  const path = join(dir, 'personas.json');
  if (!existsSync(path)) return undefined;
  return parsePersonaModel(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** Keeps a fitted persona model in its model version's folder (written beside and renamed: a killed run leaves no partial file). */
export function savePersonaModel(dir: string, model: PersonaModel): void {
  const path = join(dir, 'personas.json');
  writeFileSync(`${path}.partial`, JSON.stringify(model) + '\n');
  renameSync(`${path}.partial`, path);
}

export async function listModels(db: Database): Promise<RegistryRow[]> {
  return db.all<RegistryRow & Record<string, unknown>>(`SELECT * EXCLUDE (as_of, holdout_cutoff), CAST(as_of AS VARCHAR) AS as_of,
      CAST(holdout_cutoff AS VARCHAR) AS holdout_cutoff FROM model_registry ORDER BY created_at DESC, model_version`);
}

export async function champion(db: Database): Promise<RegistryRow | undefined> {
  return (await listModels(db)).find((r) => r.status === 'champion');
}

/**
 * Records a trained model and its backtest as a challenger. A version
 * already registered (the same models trained again) keeps its status: a
 * champion retrained to itself is still the champion.
 */
export async function registerModel(db: Database, trained: TrainedModels, path: string, asOf: string, runId: string): Promise<void> {
  const m = trained.metrics;
  const known = await db.one<{ status: string; promoted_at: string | null }>('SELECT status, CAST(promoted_at AS VARCHAR) AS promoted_at FROM model_registry WHERE model_version = $1', [trained.version]);
  await db.run(`DELETE FROM model_registry WHERE model_version = $1`, [trained.version]);
  await db.run(`INSERT INTO model_registry (model_version, created_at, run_id, path, as_of, holdout_cutoff, churn_model, value_model,
      churn_log_loss, churn_auc, recency_auc, value_gini, data_fingerprint, package_version, status, promoted_at)
    VALUES ($1, now(), $2, $3, CAST($4 AS DATE), CAST($5 AS DATE), $6, $7, $8, $9, $10, $11, $12, $13, $14, CAST($15 AS TIMESTAMPTZ))`, [
    trained.version, runId, path, asOf, trained.metrics.holdout.cutoff, trained.churnModel, trained.valueModel,
    m.churn.log_loss, m.churn.auc, m.churn.recency_baseline_auc, m.value.normalized_gini, trained.dataFingerprint, packageVersion(),
    known?.status ?? 'challenger', known?.promoted_at ?? null,
  ]);
  await db.run(`INSERT INTO backtests VALUES ($1, $2, CAST($3 AS DATE), now(), $4)`, [runId, trained.version, trained.metrics.holdout.cutoff, JSON.stringify(trained.metrics)]);
}

/** Makes `version` the champion (the previous one is retired). */
export async function promote(db: Database, version: string): Promise<void> {
  const row = (await listModels(db)).find((r) => r.model_version === version);
  if (!row) throw new UsageError(`no model ${version} in this database's registry; see "fidelio models list"`);
  await db.transaction(async () => {
    await db.run(`UPDATE model_registry SET status = 'retired' WHERE status = 'champion' AND model_version <> $1`, [version]);
    await db.run(`UPDATE model_registry SET status = 'champion', promoted_at = now() WHERE model_version = $1`, [version]);
  });
}

/** Gives the champion's place back to the model that held it before. */
export async function rollback(db: Database): Promise<string> {
  const rows = (await listModels(db)).filter((r) => r.promoted_at !== null).sort((a, b) => (a.promoted_at! < b.promoted_at! ? 1 : -1));
  const current = rows.find((r) => r.status === 'champion');
  const previous = rows.find((r) => r.status !== 'champion' && (!current || r.promoted_at! <= current.promoted_at!));
  if (!previous) throw new UsageError('there is no earlier champion to roll back to');
  await promote(db, previous.model_version);
  return previous.model_version;
}
