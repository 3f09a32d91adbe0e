import { parentPort } from 'node:worker_threads';
import { trainNetwork } from './network.js';
import { initBackend, tf } from './tfBackend.js';
import { fromWire, networkOptions, toWire, type TrainRequest, type TrainReply } from './trainPool.js';

/*
 * A training thread of the pool (trainPool.ts): it takes one network to
 * train at a time, on the backend the main thread chose, and answers with
 * its weights and figures. Each network's training is seeded on its own
 * (initial weights, shuffles), so where it runs does not change it.
 */
let backend: string | undefined;
parentPort!.on('message', (request: TrainRequest) => {
  void (async () => {
    try {
      if (backend !== request.backend) backend = await initBackend(undefined, request.backend);
      if (backend !== request.backend) throw new Error(`the training thread could not use the ${request.backend} backend (it has ${backend})`);
      const initialWeights = request.options.initialWeights?.map(fromWire);
      const r = await trainNetwork(request.x, request.y, request.xVal, request.yVal, networkOptions(request.options, initialWeights));
      const weights = r.model.getWeights().map(toWire);
      r.model.dispose();
      tf.dispose(initialWeights ?? []);
      const reply: TrainReply = { id: request.id, weights, validationLoss: r.validationLoss, bestEpoch: r.bestEpoch, epochs: r.epochs };
      parentPort!.postMessage(reply);
    } catch (err) {
      parentPort!.postMessage({ id: request.id, error: (err as Error).stack ?? String(err) });
    }
  })();
});
