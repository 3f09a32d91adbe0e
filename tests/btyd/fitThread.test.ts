import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { fitBgNbd } from '../../pipeline/btyd/bgnbd.js';
import { fitBtyd, fitFamily, plannedFits, purchaseFits } from '../../pipeline/btyd/fitBtyd.js';
import { columnsOf, fitAway, fitBtydBeside } from '../../pipeline/btyd/fitThread.js';
import type { PurchaseFamily } from '../../pipeline/btyd/purchaseModel.js';
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

test('fitAway makes each request\'s fits on its own summaries, in order, one thread for all: the fits made here; a thread that fails says why', async () => {
  // Three summaries: CDNOW's, its first half and its repeat customers alone.
  const parts = [rows, rows.slice(0, Math.floor(rows.length / 2)), rows.filter((r) => r.x > 0)];
  const requests = parts.map((part, i) => ({
    ...columnsOf(part),
    fits: i === 1 ? [['bgnbd', undefined], ['mbgnbd', 0.001]] as [PurchaseFamily, number | undefined][] : [['bgnbd', undefined]] as [PurchaseFamily, number | undefined][],
    limits: {},
  }));
  const away = await fitAway(requests, compiledWorker('btyd/fitWorker.js'));
  if ('failure' in away) throw new Error(away.failure);
  expect(away.fits).toEqual([[fitBgNbd(parts[0]!)], [fitBgNbd(parts[1]!), fitFamily(parts[1]!, 'mbgnbd', {}, 0.001)], [fitBgNbd(parts[2]!)]]);
  // the three fits differ: each read its own summaries
  expect(new Set(away.fits.map((f) => f[0]!.params.r)).size).toBe(3);
  // No thread (the sources alone), one that fails as it loads, one asked for a fit it cannot make: each says why.
  expect(await fitAway(requests, false)).toEqual({ failure: expect.stringMatching(/no compiled/) });
  const broken = join(mkdtempSync(join(tmpdir(), 'fidelio-fit-')), 'broken.mjs');
  writeFileSync(broken, 'throw new Error("the thread fails as it loads");\n');
  expect(await fitAway(requests, broken)).toEqual({ failure: expect.stringMatching(/the thread fails as it loads/) });
  const unknown = await fitAway([{ ...requests[0]!, fits: [['no_such_family' as never, undefined]] }], compiledWorker('btyd/fitWorker.js'));
  expect(unknown).toEqual({ failure: expect.stringMatching(/TypeError|not a function/) });
});
