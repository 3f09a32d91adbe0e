import { Worker } from 'node:worker_threads';
import { workerScript } from '../shared/workerScript.js';
import type { FeatureColumns } from '../learn/preprocess.js';
import { boundedReasons, type BoundedReasons, type ReasonPlan } from './reasons.js';

/*
 * The reasons' bounds on threads of their own. Bounding a batch's
 * occlusion (reasons.ts, boundedReasons) is JavaScript arithmetic in
 * float64 on plain data, the same operations in the same order on any
 * thread, so a batch bounded on a thread (reasonsWorker.ts) gives the
 * very texts and undecided rows it gives here; the churn network, where
 * the bounds leave the choice to it, runs in the main thread as before.
 * While the threads bound, the main thread reads the next batch from
 * DuckDB and runs the network on the last one's undecided rows. With one
 * thread, or without the compiled worker (the sources run by a test
 * runner), batches are bounded here, one at a time, as before; a thread
 * that fails leaves its batch, and every later one, to be bounded here.
 */

export interface ReasonsRequest {
  id: number;
  plan: ReasonPlan;
  data: FeatureColumns;
  n: number;
  which: readonly number[];
}

export type ReasonsReply = { id: number; bounded: BoundedReasons } | { id: number; error: string };

/** At most `threads` batches bounded at once, each on a worker thread of its own (`threads` of them, stopped by close); with `threads` 1, or without the compiled worker, here. */
export class ReasonsPool {
  private script: string | undefined;
  private readonly all: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker | undefined) => void)[] = [];
  private readonly pending = new Map<Worker, (reply: ReasonsReply | { lost: string }) => void>();
  private closed = false;
  private nextId = 0;
  /** What the threads could not do (those batches then bounded here): for the caller to say. */
  readonly failures: string[] = [];

  /** `script`: the worker to start (false: none, bound here). The threads start now, to load while the caller reads its first batch. */
  constructor(private readonly threads: number, script: string | false = workerScript('score/reasonsWorker.js') ?? false) {
    this.script = threads > 1 && script ? script : undefined;
    if (this.script) {
      for (let t = 0; t < threads; t++) {
        const worker = this.start(this.script);
        worker.unref();
        this.idle.push(worker);
      }
    }
  }

  /** Whether batches are bounded on worker threads. */
  get parallel(): boolean {
    return this.script !== undefined;
  }

  /** How many batches a caller keeps in hand: one per thread and the one it reads meanwhile; one where they are bounded here. */
  get width(): number {
    return this.script ? this.threads + 1 : 1;
  }

  /** boundedReasons(plan, data, n, which), on a thread when there is one. */
  async bound(plan: ReasonPlan, data: FeatureColumns, n: number, which: readonly number[]): Promise<BoundedReasons> {
    const worker = await this.worker();
    if (worker) {
      const reply = await this.send(worker, { id: this.nextId++, plan, data, n, which });
      if ('bounded' in reply) return reply.bounded;
      if (this.closed) throw new Error('the reasons threads were stopped before this batch was bounded');
      // A thread that could not bound it (it stopped, or the batch fails anywhere): bounded here, to the same texts,
      // or failing here with the batch's own error; the later batches too.
      if ('error' in reply) this.failures.push(reply.error);
      this.stopThreads();
    }
    return boundedReasons(plan, data, n, which);
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopThreads();
    await Promise.all(this.all.splice(0).map((w) => w.terminate()));
  }

  /** An idle thread, or the next to be free; undefined when batches are bounded here. */
  private async worker(): Promise<Worker | undefined> {
    if (!this.script) return undefined;
    const idle = this.idle.shift();
    if (idle) return idle;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(this.script ? worker : undefined);
    else this.idle.push(worker);
  }

  /** No batch is given to a thread from now on: the ones waiting for one are bounded here. */
  private stopThreads(): void {
    this.script = undefined;
    this.idle.length = 0;
    for (const next of this.waiting.splice(0)) next(undefined);
  }

  private send(worker: Worker, request: ReasonsRequest): Promise<ReasonsReply | { lost: string }> {
    return new Promise((resolve) => {
      this.pending.set(worker, (reply) => {
        // An idle thread does not keep the process alive; a busy one does.
        worker.unref();
        if (!('lost' in reply)) this.release(worker);
        resolve(reply);
      });
      worker.ref();
      worker.postMessage(request);
    });
  }

  private start(script: string): Worker {
    const worker = new Worker(script);
    worker.on('message', (reply: ReasonsReply) => {
      const answer = this.pending.get(worker);
      this.pending.delete(worker);
      answer?.(reply);
    });
    // A thread that fails or stops (its script does not load, it runs out of memory) is given no more batches, nor is any other.
    let lost = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      const answer = this.pending.get(worker);
      this.pending.delete(worker);
      if (this.closed) return answer?.({ lost: why });
      this.failures.push(why);
      this.stopThreads();
      answer?.({ lost: why });
    };
    worker.on('error', (err) => lose(err.stack ?? err.message));
    worker.on('exit', (code) => lose(`a reasons thread stopped (exit code ${code})`));
    this.all.push(worker);
    return worker;
  }
}
