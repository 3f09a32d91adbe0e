import { afterEach, expect, test, vi } from 'vitest';
import { StatusLine } from '../pipeline/statusLine.js';

/** A terminal that records what is written to it, and the line it shows last (after carriage returns and erases). */
function terminal(isTTY = true, columns = 100) {
  const writes: string[] = [];
  return {
    out: { isTTY, columns, write: (t: string) => writes.push(t) },
    writes,
    /** What the screen shows: finished lines, then the line being drawn. */
    screen: () => writes.join('').split('\n').map((l) => l.split('\r').at(-1)!.replace('\x1b[K', '')),
  };
}

afterEach(() => vi.useRealTimers());

test('the line follows the running stage and step, counts within the step, and resets the count when the step changes', () => {
  let now = 0;
  const t = terminal();
  const s = new StatusLine(t.out, () => now);
  s.stage('features');
  s.step('training snapshots');
  s.count('features: snapshots', 7, 11);
  now = 3_400;
  expect(s.text()).toBe('⠋ features › training snapshots 3s · features: snapshots 7/11 (63%)');
  s.stage('train');
  expect(s.text()).toBe('⠋ train 0s');
  now = 5_000;
  s.step('backtest: networks');
  now = 25_000;
  // Twenty seconds into fitting the networks: the train stage's step, not the features' last count.
  expect(s.text()).toBe('⠋ train › backtest: networks 20s');
  expect(t.screen().at(-1)).toBe('⠋ train › backtest: networks 0s');
  s.stop();
});

test('it moves on its own while a step computes: the spinner and the seconds advance on the timer', () => {
  vi.useFakeTimers();
  const t = terminal();
  const s = new StatusLine(t.out, () => Date.now(), 250);
  s.stage('train');
  const first = t.screen().at(-1);
  vi.advanceTimersByTime(1_250);
  const later = t.screen().at(-1);
  expect(later).not.toBe(first);
  // Five ticks of 250 ms: the sixth frame, one second.
  expect(later).toBe('⠴ train 1s');
  s.stop();
  const drawn = t.writes.length;
  vi.advanceTimersByTime(1_000);
  expect(t.writes.length).toBe(drawn);
});

test('log lines are written whole above the line, never into it; stop erases the line', () => {
  const t = terminal();
  const s = new StatusLine(t.out, () => 0);
  s.stage('ingest');
  s.count('ingest: files', 0, 4);
  s.above('[12:59:10.092] INFO: ingested orders\n');
  s.count('ingest: files', 1, 4);
  expect(t.screen()).toEqual(['[12:59:10.092] INFO: ingested orders', '⠋ ingest 0s · ingest: files 1/4 (25%)']);
  s.stop();
  expect(t.screen()).toEqual(['[12:59:10.092] INFO: ingested orders', '']);
});

test('off a terminal (piped, redirected, a scheduler) nothing is drawn; log lines pass through as they are', () => {
  const t = terminal(false);
  const s = new StatusLine(t.out, () => 0);
  s.stage('ingest');
  s.count('files', 1, 2);
  s.above('{"level":30,"msg":"ingested"}\n');
  s.stop();
  expect(t.writes).toEqual(['{"level":30,"msg":"ingested"}\n']);
});

test('a line longer than the terminal is cut, so that it never wraps onto a second line', () => {
  const t = terminal(true, 60);
  const s = new StatusLine(t.out, () => 0);
  s.stage('publish');
  s.step('a step whose name is far longer than the sixty columns of this terminal');
  expect(s.text()).toHaveLength(59);
  expect(s.text().endsWith('…')).toBe(true);
  s.stop();
});
