import { Worker } from 'node:worker_threads';
import { workerScript } from '../shared/workerScript.js';
import { buildMlp, trainNetwork, type Matrix, type NetworkOptions, type TrainResult } from './network.js';
import { tf } from './tfBackend.js';
import { zilnLoss } from './ziln.js';

/*
 * Networks trained side by side. The wasm backend runs one thread per
 * process, so on a machine with two cores the candidates of an
 * architecture search, and the churn and value networks, each train on a
 * thread of their own (trainWorker.ts) instead of one after another. A
 * network's training is seeded on its own (its initial weights, its
 * shuffles, Adam has no randomness), so it gives the same weights on
 * whichever thread it runs: the pool only changes when it runs. With one
 * thread, or where the compiled worker is not there (the sources run by
 * a test runner), networks train here, one at a time, as before.
 */

/** A tensor as it crosses to a thread and back. */
export interface WireTensor {
  shape: number[];
  data: Float32Array;
}

/** A network's training options as they cross to a thread: the loss by name, weights as arrays. */
export interface WireOptions extends Omit<NetworkOptions, 'loss' | 'initialWeights'> {
  loss: 'binaryCrossentropy' | 'ziln';
  initialWeights?: WireTensor[];
}

/** The backends a training thread can be given (initBackend's). */
export type Backend = 'tensorflow' | 'wasm' | 'cpu';

export interface TrainRequest {
  id: number;
  backend: Backend;
  x: Matrix;
  y: Matrix;
  xVal: Matrix;
  yVal: Matrix;
  options: WireOptions;
}

export type TrainReply = { id: number; weights: WireTensor[]; validationLoss: number; bestEpoch: number; epochs: number } | { id: number; error: string };

export const toWire = (t: tf.Tensor): WireTensor => ({ shape: t.shape.slice(), data: Float32Array.from(t.dataSync() as Float32Array) });
export const fromWire = (w: WireTensor): tf.Tensor => tf.tensor(w.data, w.shape, 'float32');

/** The options trainNetwork takes, from their wire form (`initialWeights` made into tensors by the caller). */
export function networkOptions(o: WireOptions, initialWeights?: tf.Tensor[]): NetworkOptions {
  const { initialWeights: _wire, loss, ...rest } = o;
  return { ...rest, loss: loss === 'ziln' ? zilnLoss : 'binaryCrossentropy', ...(initialWeights ? { initialWeights } : {}) };
}

/** The backends whose networks train on threads of their own. */
const THREADED_BACKENDS = new Set(['wasm', 'cpu']);

interface Pending {
  resolve: (r: TrainReply) => void;
  reject: (err: Error) => void;
}

/** The error a network's training fails with once its pool's `signal` stopped it. */
export class TrainingStopped extends Error {
  constructor() {
    super('the networks\' training was stopped before it ended (its networks were no longer wanted)');
    this.name = 'TrainingStopped';
  }
}

/**
 * At most `threads` networks in training at once, each on a worker thread
 * (started when first needed, stopped by close); with `threads` 1, or
 * without the compiled worker, here, one at a time. Once `signal` aborts,
 * the threads are stopped and every network training on them or waiting
 * fails with TrainingStopped (none is trained here instead); one already
 * training here (where its thread failed) ends first.
 */
export class TrainPool {
  private readonly script: string | undefined;
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<Worker, Pending>();
  private busy = 0;
  /** What the threads could not do (each such network then trained here): for the caller to say. */
  readonly failures: string[] = [];
  private nextId = 0;
  private closing?: Promise<void>;

  /**
   * `script`: the worker to start (false: none, train here). Only the
   * backends that run on one core (wasm, cpu) train on threads: native
   * TensorFlow (tfjs-node) uses every core itself, and its addon is not
   * one a worker thread may load.
   */
  constructor(
    private readonly threads: number, script: string | false = workerScript('learn/trainWorker.js') ?? false, backend: string = tf.getBackend(),
    private readonly signal?: AbortSignal,
  ) {
    this.script = script !== false && TrainPool.onThreads(threads, script, backend) ? script : undefined;
    signal?.addEventListener('abort', () => {
      for (const resolve of this.waiting.splice(0)) resolve();
      void this.close();
    }, { once: true });
  }

  /** Whether a pool of `threads` trains its networks on worker threads (the compiled worker `script`, a backend that runs on one core). */
  static onThreads(threads: number, script: string | false = workerScript('learn/trainWorker.js') ?? false, backend: string = tf.getBackend()): boolean {
    return threads > 1 && script !== false && THREADED_BACKENDS.has(backend);
  }

  /** Whether networks train on worker threads. */
  get parallel(): boolean {
    return this.script !== undefined;
  }

  /** Trains one network (trainNetwork's result: the model, its best validation loss and epochs). */
  async train(x: Matrix, y: Matrix, xVal: Matrix, yVal: Matrix, options: WireOptions): Promise<TrainResult> {
    await this.slot();
    try {
      if (this.signal?.aborted) throw new TrainingStopped();
      if (this.script) {
        const reply = await this.send({ id: this.nextId++, backend: tf.getBackend() as Backend, x, y, xVal, yVal, options }).catch((err: Error) => ({ error: err.message }));
        // A thread stopped with the training: not trained here instead.
        if (this.signal?.aborted) throw new TrainingStopped();
        if (!('error' in reply)) {
          // The same network, its trained weights put in.
          const model = buildMlp(x.cols, options);
          const weights = reply.weights.map(fromWire);
          model.setWeights(weights);
          tf.dispose(weights);
          return { model, validationLoss: reply.validationLoss, bestEpoch: reply.bestEpoch, epochs: reply.epochs };
        }
        // A thread that could not train it (it failed to start, or the network fails anywhere): trained here,
        // to the same weights, or failing here with the network's own error.
        this.failures.push(reply.error);
      }
      const initial = options.initialWeights?.map(fromWire);
      try {
        return await trainNetwork(x, y, xVal, yVal, networkOptions(options, initial));
      } finally {
        tf.dispose(initial ?? []);
      }
    } finally {
      this.release();
    }
  }

  /** Stops the threads; resolves once every thread has stopped (a second call waits for the first's). */
  close(): Promise<void> {
    const workers = this.all.splice(0);
    this.idle.length = 0;
    const stopping = Promise.all(workers.map((w) => w.terminate())).then(() => undefined);
    this.closing = this.closing ? Promise.all([this.closing, stopping]).then(() => undefined) : stopping;
    return this.closing;
  }

  private async slot(): Promise<void> {
    // A stopped pool gives no slot: the network fails at once.
    if (this.signal?.aborted) return;
    const limit = this.script ? this.threads : 1;
    if (this.busy < limit) {
      this.busy++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    // Once stopped, the waiting networks were let go at once (each fails), not handed a slot.
    if (this.signal?.aborted) return;
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }

  private send(request: TrainRequest): Promise<TrainReply> {
    const worker = this.idle.pop() ?? this.start();
    return new Promise<TrainReply>((resolve, reject) => {
      this.pending.set(worker, {
        resolve: (r) => {
          // An idle thread does not keep the process alive; a busy one does.
          worker.unref();
          this.idle.push(worker);
          resolve(r);
        },
        reject,
      });
      worker.ref();
      worker.postMessage(request);
    });
  }

  private start(): Worker {
    const worker = new Worker(this.script!);
    const settle = (reply: TrainReply | Error) => {
      const p = this.pending.get(worker);
      this.pending.delete(worker);
      if (reply instanceof Error) p?.reject(reply);
      else p?.resolve(reply);
    };
    worker.on('message', (reply: TrainReply) => settle(reply));
    worker.on('error', (err) => settle(err));
    worker.on('exit', (code) => {
      // A thread that stopped is not given work again.
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      settle(new Error(`a network's training thread stopped (exit code ${code})`));
    });
    this.all.push(worker);
    return worker;
  }
}
