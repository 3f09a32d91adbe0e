import { applyPlatt } from '../learn/calibration.js';
import { predict, type Matrix } from '../learn/network.js';
import type { NeuralModels } from '../learn/neuralModels.js';
import type { FeatureColumns } from '../learn/preprocess.js';
import { boundedReasons, choose, reasonPlan, tell, type BoundedReasons, type ReasonContext, type ReasonPlan } from './reasons.js';

/*
 * The reasons the bounds leave undecided (reasons.ts, boundedReasons),
 * decided by running the churn network: its own inputs and a copy per
 * group of inputs set to the typical customer's. Apart from reasons.ts
 * because it needs the network's backend (TensorFlow.js), which the
 * reasons threads (reasonsWorker.ts) then do not load.
 */

/** The rest of a batch's reasons: the undecided rows' texts, from running the churn network on their inputs and copies, `chunk` rows at a time; returns `bounded.texts`, complete. */
export function networkDecides(churn: Pick<NeuralModels['churn'], 'model' | 'platt'>, plan: ReasonPlan, bounded: BoundedReasons, data: FeatureColumns, which: readonly number[], chunk = 20_000): string[] {
  const { width, groups, baseline } = plan;
  const { undecided, inputs, texts } = bounded;
  const G = groups.length;
  for (let start = 0; start < undecided.length; start += chunk) {
    const ks = undecided.slice(start, start + chunk);
    // Row r's own inputs, then one copy per group with that group set to the baseline's.
    const m = new Float32Array(ks.length * (G + 1) * width);
    ks.forEach((_, r) => {
      const own = inputs.subarray((start + r) * width, (start + r + 1) * width);
      for (let g = 0; g <= G; g++) {
        const at = (r * (G + 1) + g) * width;
        m.set(own, at);
        if (g > 0) for (const c of groups[g - 1]!.columns) m[at + c] = baseline[c]!;
      }
    });
    const matrix: Matrix = { data: m, rows: ks.length * (G + 1), cols: width };
    const p = applyPlatt(churn.platt, predict(churn.model, matrix));
    ks.forEach((k, r) => {
      const own = p[r * (G + 1)]!;
      texts[k] = tell(plan, choose(groups.map((_, g) => own - p[r * (G + 1) + g + 1]!)), data, which[k]!);
    });
  }
  return texts;
}

/**
 * Reasons for the rows `which` of `data` (n rows in all): each a text of up to
 * three phrases separated by "; ", empty when nothing stands out.
 *
 * A churn network small enough (denseStack) is bounded here rather than run
 * (learn/occlusionBounds.ts): for most customers the bounds already decide
 * which groups are told, and in which order; the network runs on the own
 * inputs and copies of the others only, so the texts are those of running it
 * on everyone.
 */
export function occlusionReasons(models: NeuralModels, data: FeatureColumns, n: number, which: number[], context: ReasonContext, chunk = 20_000): string[] {
  const plan = reasonPlan(models, context);
  return networkDecides(models.churn, plan, boundedReasons(plan, data, n, which), data, which, chunk);
}
