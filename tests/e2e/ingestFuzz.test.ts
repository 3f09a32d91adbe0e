import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generateDemoData } from '../../pipeline/demo/generateDemoData.js';
import { Random } from '../../pipeline/shared/random.js';
import { InputError } from '../../pipeline/errors.js';
import { ingestInputs, plainIngestOptions } from '../../pipeline/ingest/ingestInputs.js';
import { silentLogger } from '../../pipeline/log.js';
import { withDb, withTempDir, writeFile } from '../helpers/withDb.js';

/** One random mutation of a data line: what exports and hand edits do to files. */
function mutate(line: Buffer, rng: Random): Buffer {
  const pos = rng.int(line.length + 1);
  switch (rng.int(8)) {
    case 0: return Buffer.concat([line.subarray(0, pos), line.subarray(Math.min(line.length, pos + 1 + rng.int(5)))]); // delete
    case 1: return Buffer.concat([line.subarray(0, pos), Buffer.from(rng.pick([',', '"', ';', '\t', ' ', '\r'])), line.subarray(pos)]);
    case 2: return Buffer.concat([line.subarray(0, pos), Buffer.from([0x80 + rng.int(0x40)]), line.subarray(pos)]); // a stray UTF-8 continuation byte
    case 3: return line.subarray(0, pos); // truncated
    case 4: return Buffer.concat([line, Buffer.from(',' + 'z'.repeat(rng.int(10)))]); // extra field
    case 5: return Buffer.from(line.toString('latin1').replace(/\d/, () => String.fromCharCode(65 + rng.int(26))), 'latin1');
    case 6: return Buffer.from('"' + line.toString('latin1'), 'latin1'); // an unclosed quote
    default: return Buffer.concat([line.subarray(0, pos), Buffer.from('\n'), line.subarray(pos)]); // a line split in two
  }
}

test('fuzzed CSV ingest never crashes and accounts for every row (seeded, bounded)', async () => {
  await withTempDir(async (dir) => {
    const demo = generateDemoData(join(dir, 'demo'), { customers: 200, seed: 13, months: 12 });
    const [header, ...lines] = readFileSync(demo.orders).toString('latin1').split('\n').filter(Boolean).map((l) => Buffer.from(l, 'latin1'));
    const rng = new Random(2024);
    const started = Date.now();
    let rounds = 0;
    let rejected = 0;
    while (rounds < 25 && Date.now() - started < 30_000) {
      rounds++;
      const mutated = lines.map((l) => (rng.bernoulli(0.05) ? mutate(l, rng) : l));
      const body = Buffer.concat([header!, Buffer.from('\n'), ...mutated.flatMap((l) => [l, Buffer.from('\n')])]);
      const path = writeFile(dir, `fuzz-${rounds}.csv`, body);
      await withDb(async (db) => {
        try {
          const [file] = await ingestInputs(db, { orders: [path] }, plainIngestOptions(`fuzz-${rounds}`, new Date('2027-01-01T00:00:00Z')), silentLogger);
          expect(file!.rows_read).toBe(file!.rows_accepted + file!.rows_rejected + file!.rows_duplicate);
          expect(await db.value('SELECT count(*) FROM rejected_rows')).toBe(file!.rows_rejected);
          expect(await db.value('SELECT count(*) FROM rejected_rows WHERE reason IS NULL OR reason = \'\'')).toBe(0);
          rejected += file!.rows_rejected;
        } catch (err) {
          // Only the header can make a file unreadable as a whole, and the header is never mutated here.
          if (!(err instanceof InputError)) throw err;
          throw new Error(`round ${rounds}: ${(err as Error).message}`);
        }
      });
    }
    expect(rounds).toBeGreaterThanOrEqual(5);
    expect(rejected).toBeGreaterThan(0);
  });
}, 60_000);
