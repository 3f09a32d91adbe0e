import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { silentLogger } from '../../pipeline/log.js';
import { runPipeline } from '../../pipeline/run.js';
import type { StageAudit } from '../../pipeline/stageAudit.js';
import { STAGES } from '../../pipeline/stages.js';
import { withTempDir } from '../helpers/withDb.js';

/** Tables the runner itself keeps (the run record, the schema version), not any stage's. */
const RUNNER_TABLES = ['runs', 'schema_migrations'];

// Some declared reads happen only on some paths (the networks read btyd_features when one is a champion), so a
// declared read need not show on every run; an undeclared one must never.
test('on a demo run each stage changes exactly the tables it declares and names no table it does not declare', async () => {
  await withTempDir(async (dir) => {
    const config = loadConfig(undefined, {
      db: join(dir, 'f.duckdb'), out: join(dir, 'out'), models: join(dir, 'models'), demo: { customers: 1500 },
      // A sampled base, so that the sampling paths (training_sample, its copies of the orders) run too.
      training: { sampleCustomers: 1000, btydFitCustomers: 1000 },
    });
    const audits: StageAudit[] = [];
    await runPipeline(config, silentLogger, new Date(), { audit: (a) => audits.push(a) });
    expect(audits.map((a) => a.stage)).toEqual(STAGES.map((s) => s.name));
    for (const [i, stage] of STAGES.entries()) {
      const audit = audits[i]!;
      expect(audit.changed, `${stage.name} changed`).toEqual([...stage.writes].sort());
      const undeclared = audit.mentioned.filter((t) => !stage.reads.includes(t) && !stage.writes.includes(t) && !RUNNER_TABLES.includes(t));
      expect(undeclared, `${stage.name} names tables it does not declare`).toEqual([]);
    }
  });
}, 180_000);
