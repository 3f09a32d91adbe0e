import type { Database } from '../db/Database.js';
import { DataError, InterruptedError } from '../errors.js';

/**
 * How long a run may take (run.maxMinutes, --max-minutes): an unattended
 * run that hangs keeps its locks, and every later run is refused. Past the
 * deadline the query running is interrupted, the next step does not start,
 * and the run fails with the reason: the runner records it, releases the
 * locks, and the previous publication stays whole. A step of JavaScript
 * work (a fit, a network's epochs) ends first: each has its own bound.
 */
export class RunBudget {
  private readonly deadline: number;
  private timer?: NodeJS.Timeout;
  private passed = false;
  private db?: Database;
  /** The signal that interrupted the run (SIGINT, SIGTERM), if one did. */
  private signal?: string;

  constructor(readonly maxMinutes: number, started = Date.now()) {
    this.deadline = started + maxMinutes * 60_000;
  }

  /** Interrupts `db`'s queries when the deadline passes; returns the disarm. */
  arm(db: Database): () => void {
    this.db = db;
    const wait = Math.max(0, this.deadline - Date.now());
    this.timer = setTimeout(() => {
      this.passed = true;
      db.interrupt();
    }, wait);
    this.timer.unref();
    return () => clearTimeout(this.timer);
  }

  /**
   * A signal asks the run to stop: the running query is interrupted and the
   * next step does not start, as at the deadline, and the run is recorded as
   * interrupted.
   */
  interrupt(signal: string): void {
    this.signal = signal;
    this.db?.interrupt();
  }

  /** The signal that interrupted the run, if one did. */
  interruptedBy(): string | undefined {
    return this.signal;
  }

  /** The error of a run stopped by a signal, naming where. */
  interruption(where: string): InterruptedError {
    return new InterruptedError(`the run was interrupted by ${this.signal} during ${where} and stopped: recorded as interrupted, the locks are released and the previous publication is intact. Run again to publish`);
  }

  expired(): boolean {
    if (!this.passed && Date.now() >= this.deadline) this.passed = true;
    return this.passed;
  }

  /** The error of a run stopped by its budget, naming where. */
  error(where: string): DataError {
    return new DataError(`the run passed run.maxMinutes (${this.maxMinutes} minutes) during ${where} and was stopped: the previous publication is intact and the locks are released. Raise run.maxMinutes (or --max-minutes) if the data need longer, or find what slowed it in the logs`);
  }

  /** Throws the budget's error once the deadline has passed. */
  check(where: string): void {
    if (this.signal) throw this.interruption(where);
    if (this.expired()) throw this.error(where);
  }
}
