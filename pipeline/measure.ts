import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The process's peak resident memory since the last reset, in MiB. On
 * Linux the kernel's high-water mark (VmHWM) is reset by writing 5 to
 * /proc/self/clear_refs, so each stage gets its own peak; elsewhere the
 * figure is the process's peak so far (never reset).
 */
export class PeakMemory {
  private resettable = true;

  reset(): void {
    if (!this.resettable) return;
    try {
      writeFileSync('/proc/self/clear_refs', '5');
    } catch {
      this.resettable = false;
    }
  }

  mib(): number {
    if (this.resettable) {
      try {
        const kb = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
        if (kb) return Math.round(Number(kb) / 1024);
      } catch {
        // not Linux: fall through
      }
    }
    return Math.round(process.resourceUsage().maxRSS / 1024);
  }
}

/**
 * The process's CPU time since `start` (a process.cpuUsage() reading), user and kernel, every thread's, in
 * seconds to the millisecond: what a stage's work cost, however many CPUs it kept busy.
 */
export function cpuSince(start: NodeJS.CpuUsage): { cpu_seconds: number; cpu_system_seconds: number } {
  const used = process.cpuUsage(start);
  return { cpu_seconds: Number(((used.user + used.system) / 1e6).toFixed(3)), cpu_system_seconds: Number((used.system / 1e6).toFixed(3)) };
}

/** Times one named step of a stage (runner/run.ts records it in the stage's record). */
export type Step = <T>(name: string, body: () => Promise<T>) => Promise<T>;
/** A Step that only runs the body (for callers outside a run). */
export const untimed: Step = (_name, body) => body();

/** Seconds since `since` (a performance.now() reading), to the millisecond. */
export const secondsSince = (since: number) => Number(((performance.now() - since) / 1000).toFixed(3));

/** A Step that records each step's name and seconds in `steps`, in the order they finish; `before` is called as each starts (the run's budget checks there). */
export function recordedSteps(onStep?: (name: string, seconds: number) => void, before?: (name: string) => void): { step: Step; steps: { name: string; seconds: number }[] } {
  const steps: { name: string; seconds: number }[] = [];
  const step: Step = async (name, body) => {
    before?.(name);
    const started = performance.now();
    const out = await body();
    steps.push({ name, seconds: secondsSince(started) });
    onStep?.(name, steps.at(-1)!.seconds);
    return out;
  };
  return { step, steps };
}
