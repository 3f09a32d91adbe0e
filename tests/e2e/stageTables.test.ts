import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { writeExport } from '../../pipeline/demo/exportShapes.js';
import { SETTLE_MS } from '../../pipeline/ingest/fileDigests.js';
import { ingestStage } from '../../pipeline/ingest/ingestStage.js';
import { silentLogger } from '../../pipeline/log.js';
import { runPipeline } from '../../pipeline/runner/run.js';
import type { StageAudit } from '../../pipeline/runner/stageAudit.js';
import { pipelineOf } from '../../pipeline/stage.js';
import { STAGES } from '../../pipeline/stages.js';
import { runCli } from '../helpers/cli.js';
import { hostedExport } from '../helpers/hostedExport.js';
import { withTempDir } from '../helpers/withDb.js';

/** Tables the runner itself keeps (the run record, the schema version), not any stage's. */
const RUNNER_TABLES = ['runs', 'schema_migrations'];

function expectDeclared(audit: StageAudit, stage: (typeof STAGES)[number]) {
  expect(stage.writes, `${stage.name} changed`).toEqual(expect.arrayContaining(audit.changed));
  const undeclared = audit.mentioned.filter((t) => !stage.reads.includes(t) && !stage.writes.includes(t) && !RUNNER_TABLES.includes(t));
  expect(undeclared, `${stage.name} names tables it does not declare`).toEqual([]);
}

// Some declared reads happen only on some paths (the networks read btyd_features when one is a champion), so a
// declared read need not show on every run; an undeclared one must never. Likewise order_lines changes only
// when an input comes as line items, so a second ingest reads a line-item export; and orders_left_out only when an
// export's statuses leave orders out, so a third reads a hosted shop's export with voided and pending orders.
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
      if (stage !== ingestStage) expect(audit.changed, `${stage.name} changed`).toEqual([...stage.writes].sort());
      expectDeclared(audit, stage);
    }

    const lines = join(dir, 'lines.csv');
    writeExport('line-items', lines, 3, 60);
    const inspected = await runCli(['inspect', '--orders', lines]);
    writeFileSync(join(dir, 'lines.yaml'), inspected.stdout);
    const lineConfig = loadConfig(join(dir, 'lines.yaml'), { db: config.db, out: config.out, models: config.models });
    const lineAudits: StageAudit[] = [];
    await runPipeline(lineConfig, silentLogger, new Date(), { audit: (a) => lineAudits.push(a), pipeline: pipelineOf(ingestStage) });
    expectDeclared(lineAudits[0]!, ingestStage);
    const hosted = join(dir, 'hosted.csv');
    writeFileSync(hosted, hostedExport(5, 20, 40).csv);
    writeFileSync(join(dir, 'hosted.yaml'), (await runCli(['inspect', '--orders', hosted])).stdout);
    // A file's digest is recorded once the file has settled (file_digests, SETTLE_MS): this export is left to.
    const past = new Date(Date.now() - 60_000);
    utimesSync(hosted, past, past);
    await new Promise((r) => setTimeout(r, SETTLE_MS + 100));
    const hostedConfig = loadConfig(join(dir, 'hosted.yaml'), { db: config.db, out: config.out, models: config.models });
    await runPipeline(hostedConfig, silentLogger, new Date(), { audit: (a) => lineAudits.push(a), pipeline: pipelineOf(ingestStage) });
    expectDeclared(lineAudits[1]!, ingestStage);
    const ingestChanged = new Set([...audits[0]!.changed, ...lineAudits[0]!.changed, ...lineAudits[1]!.changed]);
    expect([...ingestChanged].sort(), 'ingest changed, over its three runs').toEqual([...ingestStage.writes].sort());
  });
}, 180_000);
