import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { fitBtyd, plannedFits, purchaseFits } from '../../pipeline/btyd/fitBtyd.js';
import { fitBtydBeside } from '../../pipeline/btyd/fitThread.js';
import { cdnowSummaryRows } from '../helpers/cdnow.js';
import { compiledWorker } from '../helpers/workerThread.js';

// The published CDNOW summary (2,357 customers), with the penalised candidates too: no database.
const rows = cdnowSummaryRows();
const options = { penalty: 0.001 };

test("Pareto/NBD's fits on a thread of their own give fitBtyd's models, figure for figure, a BG/NBD fit given or not", async () => {
  const script = compiledWorker('btyd/fitWorker.js');
  const here = fitBtyd(rows, '1997-09-30', options);
  const beside = await fitBtydBeside(rows, '1997-09-30', options, script);
  expect(beside.failure).toBeUndefined();
  expect(beside.threaded).toBe(true);
  expect(beside.models).toEqual(here);
  expect(beside.models.penalized?.pareto?.report.penalty).toBeGreaterThan(0);
  // The plan the thread and this one split is every candidate fitBtyd fits, no more, no less.
  const named = (plan: ReturnType<typeof plannedFits>) => plan.map(([family, penalty]) => (penalty ? `${family}_penalized` : family)).sort();
  expect(named(plannedFits(options))).toEqual(Object.keys(purchaseFits(here)).sort());
  expect(named(plannedFits({ ...options, bgnbd: fitBgNbd(rows) }))).toEqual(Object.keys(purchaseFits(here)).filter((k) => k !== 'bgnbd').sort());
  expect(named(plannedFits({}))).toEqual(['bgnbd', 'mbgnbd', 'pareto']);
  // As the pipeline calls it: BG/NBD already fitted on the same summary (the features stage's).
  const bgnbd = fitBgNbd(rows);
  const given = await fitBtydBeside(rows, '1997-09-30', { ...options, bgnbd }, script);
  expect(given.threaded).toBe(true);
  expect(given.models).toEqual(fitBtyd(rows, '1997-09-30', { ...options, bgnbd }));
});

test('a thread that cannot start, fails as it loads or cannot fit leaves its fits to be made here, to the same models, and says why', async () => {
  const here = fitBtyd(rows, '1997-09-30', options);
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-fit-thread-'));
  const broken = join(dir, 'broken.mjs');
  writeFileSync(broken, "throw new Error('this thread fails as it loads');\n");
  const refusing = join(dir, 'refusing.mjs');
  writeFileSync(refusing, "import { parentPort } from 'node:worker_threads';\nparentPort.once('message', () => parentPort.postMessage({ error: 'no fit here' }));\n");
  for (const [script, why] of [[broken, /this thread fails as it loads/], [refusing, /no fit here/], [join(dir, 'missing.mjs'), /missing\.mjs|Cannot find/]] as const) {
    const got = await fitBtydBeside(rows, '1997-09-30', options, script);
    expect(got.threaded).toBe(false);
    expect(got.failure).toMatch(why);
    expect(got.models).toEqual(here);
  }
  // Without a worker at all (false): made here, nothing to say.
  const none = await fitBtydBeside(rows, '1997-09-30', options, false);
  expect(none).toEqual({ models: here, threaded: false });
});
