import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { UsageError } from '../../pipeline/errors.js';
import { Publication } from '../../pipeline/runner/publication.js';
import { withTempDir } from '../helpers/withDb.js';

const release = (p: Publication, runId: string, content: string) => {
  writeFileSync(join(p.staging(runId), 'file.txt'), content);
  return p.commit(runId);
};

test('a release is written aside and switched in at once through the link; the newest three are kept', async () => {
  await withTempDir(async (dir) => {
    const p = new Publication(join(dir, 'out'));
    expect(p.prepare()).toEqual([]);
    expect(p.current()).toBeUndefined();
    for (const id of ['r1', 'r2', 'r3', 'r4']) release(p, id, id);
    expect(lstatSync(join(dir, 'out')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'out', 'file.txt'), 'utf8')).toBe('r4');
    expect(p.current()).toBe('r4');
    expect(readdirSync(p.releases).sort()).toEqual(['r2', 'r3', 'r4']);
    expect(realpathSync(join(dir, 'out'))).toBe(realpathSync(join(p.releases, 'r4')));
  });
});

test("a killed run's unfinished release is removed by the next; a folder fidelio did not publish is refused", async () => {
  await withTempDir(async (dir) => {
    const p = new Publication(join(dir, 'out'));
    p.prepare();
    release(p, 'r1', 'one');
    writeFileSync(join(p.staging('r2'), 'half.txt'), 'half');
    writeFileSync(join(dir, '.out.next-r2'), '');
    expect(p.prepare().sort()).toEqual(['.out.next-r2', 'r2.partial']);
    expect(readFileSync(join(dir, 'out', 'file.txt'), 'utf8')).toBe('one');
    const foreign = new Publication(join(dir, 'theirs'));
    mkdirSync(join(dir, 'theirs'));
    writeFileSync(join(dir, 'theirs', 'report.xlsx'), 'x');
    expect(() => foreign.prepare()).toThrow(UsageError);
    // An empty folder of that name is taken over.
    const empty = new Publication(join(dir, 'empty'));
    mkdirSync(join(dir, 'empty'));
    expect(empty.prepare()).toEqual([]);
    expect(existsSync(join(dir, 'empty'))).toBe(false);
  });
});
