import { createHash } from 'node:crypto';
import { summarizeBtyd, type BtydModels, type PurchaseModelName } from '../btyd/fitBtyd.js';
import type { ModelMetrics } from '../shared/modelMetrics.js';
import type { NeuralModels } from './neuralModels.js';
import type { PersonaModel } from './personaClusters.js';
import type { RfCell } from './rfTableModel.js';

/** The churn candidates: the recency-frequency table, the networks, and a BTYD model's P(no purchase) (the BG/NBD family). */
export type ChurnModelName = 'rf_table' | 'neural' | PurchaseModelName;
export type ValueModelName = PurchaseModelName | 'neural';

/** A column of the drift profile: the training data's deciles of a feature and the share of customers between them. */
export interface FeatureProfile {
  [feature: string]: { edges: number[]; shares: number[] };
}

/** The models one training run produced: what scores, and what it was judged on. */
export interface TrainedModels {
  version: string;
  /** The churn champion and the value champion, each chosen on the holdout. */
  churnModel: ChurnModelName;
  valueModel: ValueModelName;
  /** The BTYD model behind p_alive, expected purchases and the CLV's time profile. */
  btydModel: PurchaseModelName;
  cells: RfCell[];
  btyd: BtydModels;
  neural?: NeuralModels;
  /** The backtest, as model_metrics.json publishes it (shared/modelMetrics.ts). */
  metrics: ModelMetrics;
  /** Fingerprint of the data the models learnt from. */
  dataFingerprint: string;
  /** Deciles of the main features at as-of, to measure drift against later. */
  profile: FeatureProfile;
  /**
   * The buyer personas, fitted at the first scoring with this version and
   * kept beside it (personas.json): absent until then, and in a version
   * saved before personas were kept. Not part of the version's hash.
   */
  personas?: PersonaModel;
}

/** The version of a set of models: a hash of what they are (choices, table, fits, network weights), so the same models have the same version. */
export function modelVersion(m: Pick<TrainedModels, 'churnModel' | 'valueModel' | 'btydModel' | 'cells' | 'btyd' | 'neural'>): string {
  const weights = m.neural ? [...m.neural.churn.model.getWeights(), ...m.neural.value.model.getWeights()].map((w) => Array.from(w.dataSync())) : [];
  return 'fidelio-' + createHash('sha256')
    .update(JSON.stringify({
      churnModel: m.churnModel, valueModel: m.valueModel, btydModel: m.btydModel, rf: m.cells, btyd: summarizeBtyd(m.btyd),
      neural: m.neural && { weights, platt: m.neural.churn.platt, pre: m.neural.preprocessor },
    }))
    .digest('hex').slice(0, 12);
}
