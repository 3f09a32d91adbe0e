import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderLoader, folderSaver } from './modelIO.js';
import type { NeuralModels } from './neuralModels.js';
import { tf } from './tfBackend.js';

/** Saves both networks (model.json + weights.bin each) and the rest as JSON. */
export async function saveNeural(models: NeuralModels, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await models.churn.model.save(folderSaver(join(dir, 'churn')));
  await models.value.model.save(folderSaver(join(dir, 'value')));
  const { model: _c, ...churn } = models.churn;
  const { model: _v, ...value } = models.value;
  writeFileSync(join(dir, 'neural.json'), JSON.stringify({ preprocessor: models.preprocessor, churn, value, window: models.window }, null, 2) + '\n');
}

export async function loadNeural(dir: string): Promise<NeuralModels> {
  const meta = JSON.parse(readFileSync(join(dir, 'neural.json'), 'utf8')) as Omit<NeuralModels, 'churn' | 'value'> & {
    churn: Omit<NeuralModels['churn'], 'model'>;
    value: Omit<NeuralModels['value'], 'model'>;
  };
  return {
    ...meta,
    churn: { ...meta.churn, model: await tf.loadLayersModel(folderLoader(join(dir, 'churn'))) },
    value: { ...meta.value, model: await tf.loadLayersModel(folderLoader(join(dir, 'value'))) },
  };
}
