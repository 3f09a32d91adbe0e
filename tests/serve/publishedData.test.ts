import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { InputError } from '../../pipeline/errors.js';
import { PublishedData } from '../../pipeline/serve/publishedData.js';
import { servedFixture, type ServedFixture } from '../helpers/servedFixture.js';
import { withTempDir } from '../helpers/withDb.js';

let f: ServedFixture;
beforeAll(async () => {
  f = await servedFixture();
});
afterAll(() => f.close());

const version = (p: PublishedData) => p.with(async (s) => ({ run: s.runId, model: await s.db.value<string>('SELECT DISTINCT model_version FROM customer_scores') }));

test('a request that began before a publication reads the old one whole; the next reads the new; the old is closed once idle', async () => {
  const p = new PublishedData(f.out);
  try {
    expect(await version(p)).toEqual({ run: 'r1', model: 'fidelio-fixture' });
    const during = await p.with(async (s) => {
      const first = await s.db.value<number>("SELECT count(*) FROM customer_scores WHERE model_version = 'fidelio-fixture'");
      await f.publishAgain('r2', 'fidelio-second');
      // Still this request's publication, all of it: no row of the new one.
      const second = await s.db.value<number>("SELECT count(*) FROM customer_scores WHERE model_version = 'fidelio-fixture'");
      expect(p.openReleases()).toEqual([s.release]);
      return [first, second, s.runId];
    });
    expect(during).toEqual([40, 40, 'r1']);
    expect(await version(p)).toEqual({ run: 'r2', model: 'fidelio-second' });
    expect(p.openReleases().map((r) => r.split('/').pop())).toEqual(['r2']);
  } finally {
    p.close();
  }
});

test('an output folder without a publication is an input error that says to run first', async () => {
  await withTempDir(async (dir) => {
    const p = new PublishedData(join(dir, 'out'));
    await expect(p.with(async () => 1)).rejects.toThrow(InputError);
    await expect(p.with(async () => 1)).rejects.toThrow(/holds no publication .*run "fidelio run" first/);
  });
});

test('a release removed under a served one (kept releases pruned) is reopened from the link', async () => {
  const p = new PublishedData(f.out);
  try {
    const before = await p.with(async (s) => s.release);
    await f.publishAgain('r3', 'fidelio-third');
    rmSync(before, { recursive: true, force: true });
    expect(await version(p)).toEqual({ run: 'r3', model: 'fidelio-third' });
  } finally {
    p.close();
  }
});
