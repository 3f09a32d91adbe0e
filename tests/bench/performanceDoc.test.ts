import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { machineLine, renderPerformanceDoc, type BenchReport } from '../../bench/performanceDoc.js';
import { packageRoot } from '../../pipeline/db/sqlFile.js';

const bench = join(packageRoot, 'bench');

test('docs/performance.md is the one generated from the committed bench reports (npm run docs:performance)', () => {
  expect(readFileSync(join(packageRoot, 'docs', 'performance.md'), 'utf8')).toBe(renderPerformanceDoc(bench));
});

test('every committed JSON report is on the page with its date, its machine and every step\'s seconds', () => {
  const doc = renderPerformanceDoc(bench);
  const reports = readdirSync(bench).filter((f) => /^REPORT-[a-z]+\.json$/.test(f));
  expect(reports.length).toBeGreaterThan(5);
  for (const f of reports) {
    const r = JSON.parse(readFileSync(join(bench, f), 'utf8')) as BenchReport;
    const at = doc.indexOf(`[\`bench/${f.replace('.json', '.md')}\`]`);
    expect(at, f).toBeGreaterThan(0);
    const section = doc.slice(at, doc.indexOf('\n## ', at) < 0 ? undefined : doc.indexOf('\n## ', at));
    expect(section).toContain(`Taken ${r.date} on ${r.machine.cores} cores (${r.machine.cpu})`);
    for (const s of r.steps) expect(section).toContain(`| ${s.step.replaceAll('|', '\\|')} | ${s.seconds} |`);
  }
  // The serve report has no JSON: its own text, date included, is on the page.
  expect(doc).toContain(readFileSync(join(bench, 'REPORT-serve.md'), 'utf8').split('\n').find((l) => l.startsWith('| customer page'))!);
});

test('a report that changes changes the page: a made-up report\'s figures, targets and data line, and nothing of a missing mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fidelio-perfdoc-'));
  try {
    const report: BenchReport = {
      date: '2031-02-03', mode: 'score',
      machine: { cores: 8, cpu: 'Test CPU | fast', memory_gib: 64, node: 'v22.0.0' },
      duckdb: { threads: 8, memoryLimit: '4GB', blockAllocatorMemory: '3GB' },
      data: { customers: 5, order_lines: 0, tickets: 0 },
      steps: [{ step: '**score**', seconds: 1.25, peak_mib: 512, note: 'a | b' }, { step: 'score › networks', seconds: 0.5, peak_mib: null }],
      targets: [{ target: 'under 2 s', measured: '1.25 s', met: true }, { target: 'under 1 s', measured: '1.25 s', met: false, stops: 'the networks' }],
    };
    writeFileSync(join(dir, 'REPORT-score.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'REPORT-score.md'), '# fidelio benchmark (score)\n\n2031-02-03, 8 cores\nData: five made-up customers.\n\n| step |\n');
    const doc = renderPerformanceDoc(dir);
    expect(doc).toContain("## Scoring's memory when the base doubles");
    expect(doc).toContain('Taken 2031-02-03 on 8 cores (Test CPU | fast), 64 GiB, Node v22.0.0; DuckDB threads 8, memory limit 4GB, block allocator 3GB.\nData: five made-up customers.');
    expect(doc).toContain('| **score** | 1.25 | 512 | a \\| b |');
    expect(doc).toContain('| score › networks | 0.5 |  |  |');
    expect(doc).toContain('| under 2 s | 1.25 s | met |  |');
    expect(doc).toContain('| under 1 s | 1.25 s | **not met** | the networks |');
    expect(doc).not.toContain('## The whole run');
    expect(doc).not.toContain('## Earlier run reports');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a report from before the block allocator's setting says it ran with DuckDB's own, 0", () => {
  const before: BenchReport = {
    date: '2026-11-23', mode: 'score', machine: { cores: 2, cpu: 'Test CPU', memory_gib: 24, node: 'v20.0.0' },
    duckdb: { threads: 2, memoryLimit: '2GB' }, data: { customers: 5, order_lines: 0, tickets: 0 }, steps: [],
  };
  expect(machineLine(before)).toBe('Taken 2026-11-23 on 2 cores (Test CPU), 24 GiB, Node v20.0.0; DuckDB threads 2, memory limit 2GB, block allocator 0.');
  expect(machineLine({ ...before, duckdb: { ...before.duckdb, blockAllocatorMemory: '1.5GB' } })).toContain('memory limit 2GB, block allocator 1.5GB.');
});
