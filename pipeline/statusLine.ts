/*
 * The one progress display of a run on a terminal: a single line at the
 * bottom of standard error saying which stage and step are running, for
 * how long, and how far a counted loop has got, redrawn on a timer so that
 * it moves even while one long step computes. Log lines are written above
 * it (the logger clears the line, writes, and draws it again), never into
 * it. Off a terminal (piped, redirected, a scheduler) it draws nothing.
 */

export interface StatusOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ERASE = '\r\x1b[K';

export class StatusLine {
  private stageName: string | null = null;
  private stepName: string | null = null;
  private since = 0;
  private counted: { label: string; done: number; total: number } | null = null;
  private frame = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private shown = false;

  constructor(private readonly out: StatusOutput, private readonly now: () => number = Date.now, private readonly everyMs = 250) {}

  /** Whether anything is drawn: only on a terminal, and not with FIDELIO_PROGRESS=0. */
  get enabled(): boolean {
    return Boolean(this.out.isTTY) && process.env.FIDELIO_PROGRESS !== '0';
  }

  /** A stage starts: its name, its clock, no step or count yet. */
  stage(name: string): void {
    this.stageName = name;
    this.stepName = null;
    this.counted = null;
    this.since = this.now();
    this.start();
    this.draw();
  }

  /** A step of the running stage starts: the count of the step before is dropped. */
  step(name: string): void {
    this.stepName = name;
    this.counted = null;
    this.since = this.now();
    this.draw();
  }

  /** How far a counted loop of the running step has got; null when it is done. */
  count(label: string, done: number, total: number): void {
    this.counted = { label, done, total };
    this.draw();
  }

  uncount(): void {
    this.counted = null;
    this.draw();
  }

  /** The line as it is drawn now (without the terminal's control codes). */
  text(): string {
    if (!this.stageName) return '';
    const seconds = Math.floor((this.now() - this.since) / 1000);
    const where = this.stepName ? `${this.stageName} › ${this.stepName}` : this.stageName;
    const count = this.counted
      ? ` · ${this.counted.label} ${this.counted.done}/${this.counted.total} (${this.counted.total > 0 ? Math.floor((100 * this.counted.done) / this.counted.total) : 100}%)`
      : '';
    const line = `${FRAMES[this.frame % FRAMES.length]} ${where} ${seconds}s${count}`;
    const width = Math.max(20, (this.out.columns || 80) - 1);
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  }

  /** Writes `text` (whole log lines) above the status line, then draws the line again. */
  above(text: string): void {
    if (this.shown) this.out.write(ERASE);
    this.out.write(text);
    this.shown = false;
    this.draw();
  }

  /** Stops the display and erases its line (the run has ended, failed or not). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.shown) this.out.write(ERASE);
    this.shown = false;
    this.stageName = null;
    this.stepName = null;
    this.counted = null;
  }

  private start(): void {
    if (this.timer || !this.enabled) return;
    this.timer = setInterval(() => {
      this.frame++;
      this.draw();
    }, this.everyMs);
    this.timer.unref?.();
  }

  private draw(): void {
    if (!this.enabled || !this.stageName) return;
    this.out.write(`${ERASE}${this.text()}`);
    this.shown = true;
  }
}

/** The process's display, on standard error. */
export const status = new StatusLine(process.stderr);
