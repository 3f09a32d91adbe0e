import { Worker } from 'node:worker_threads';
import { workerScript } from '../shared/workerScript.js';
import type { BtydModels } from './fitBtyd.js';
import type { BtydScoreOptions } from './scoreBtyd.js';
import { summaryScorer, type SummaryColumns, type SummaryFigures } from './summaryScorer.js';

/*
 * Summary rows scored on a thread of their own (summaryScorerWorker.ts):
 * the figures are plain float64 arithmetic, the same on any thread, and
 * while the thread computes one batch the main thread reads the next and
 * does its other work (the networks' scoring beside it: score/scoreModels.ts).
 * Without the compiled worker (the sources run by a test runner), or once
 * the thread fails, batches are scored here, to the same figures.
 */

export interface ScorerSetup {
  models: BtydModels;
  options: BtydScoreOptions;
}
export interface ScoreRequest {
  id: number;
  columns: SummaryColumns;
  n: number;
}
export type ScoreReply = { id: number; figures: SummaryFigures } | { id: number; error: string };

export class SummaryScorerThread {
  private worker: Worker | undefined;
  private here: ReturnType<typeof summaryScorer> | undefined;
  private readonly pending = new Map<number, (reply: ScoreReply | { lost: string }) => void>();
  private nextId = 0;
  /** What the thread could not do (its batches then scored here): for the caller to say. */
  readonly failures: string[] = [];

  /** `script`: the worker to start (false: none, score here). */
  constructor(private readonly models: BtydModels, private readonly options: BtydScoreOptions, script: string | false = workerScript('btyd/summaryScorerWorker.js') ?? false) {
    if (!script) return;
    try {
      this.worker = new Worker(script, { workerData: { models, options } satisfies ScorerSetup });
    } catch (err) {
      this.failures.push((err as Error).stack ?? String(err));
      return;
    }
    this.worker.on('message', (reply: ScoreReply) => {
      const answer = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      answer?.(reply);
    });
    const lose = (why: string) => {
      if (!this.worker) return;
      this.failures.push(why);
      this.worker = undefined;
      this.giveBack(why);
    };
    this.worker.on('error', (err) => lose(err.stack ?? err.message));
    this.worker.on('exit', (code) => lose(`the BTYD scoring thread stopped (exit code ${code})`));
  }

  /** Whether batches are scored on the thread. */
  get parallel(): boolean {
    return this.worker !== undefined;
  }

  /** The batch's figures: batches are given in the summary's order, and may be given before the last one's are back. */
  async score(columns: SummaryColumns, n: number): Promise<SummaryFigures> {
    const worker = this.worker;
    if (worker) {
      const id = this.nextId++;
      // The columns are copied to the thread, not moved: they stay here for a batch the thread cannot score.
      const reply = await new Promise<ScoreReply | { lost: string }>((resolve) => {
        this.pending.set(id, resolve);
        worker.postMessage({ id, columns, n } satisfies ScoreRequest);
      });
      if ('figures' in reply) return reply.figures;
      if ('error' in reply) {
        this.failures.push(reply.error);
        await this.close();
      }
    }
    this.here ??= summaryScorer(this.models, this.options);
    return this.here(columns, n);
  }

  /** Stops the thread: the batches it was given and has not answered, and those given later, are scored here. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.giveBack('the BTYD scoring thread was stopped');
    await worker?.terminate();
  }

  /** Every batch the thread has not answered, answered as lost (scored here). */
  private giveBack(why: string): void {
    for (const [id, answer] of [...this.pending]) {
      this.pending.delete(id);
      answer({ lost: why });
    }
  }
}
