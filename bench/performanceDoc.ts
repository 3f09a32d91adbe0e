/**
 * docs/performance.md, generated from the bench reports committed in bench/ (`npm run docs:performance`), so
 * that every bench figure the docs show comes from a report, with the report's date and machine, and none is
 * copied by hand. Each mode's REPORT-<mode>.json gives the date, the machine, the steps and the targets; its
 * REPORT-<mode>.md gives the line saying what data it ran on. A report without JSON (fidelio serve's routes)
 * is shown as written; the earlier run reports kept for comparison are listed with their dates.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A bench report as bench.ts writes it (REPORT-<mode>.json). */
export interface BenchReport {
  date: string;
  mode: string;
  machine: { cores: number; cpu: string; memory_gib: number; node: string };
  duckdb: { threads?: number; memoryLimit?: string; blockAllocatorMemory?: string };
  data: { customers: number; order_lines: number; tickets: number };
  steps: { step: string; seconds: number; peak_mib: number | null; note?: string }[];
  targets?: { target: string; measured: string; met: boolean; stops?: string }[];
}

/** The modes in the page's order, each with its title and what it measures (words only: the figures come from the reports). */
const MODES: readonly { mode: string; title: string; about: string }[] = [
  {
    mode: 'run',
    title: 'The whole run at a million customers',
    about: [
      '`npm run bench` (mode run) generates the history with the demo generator (kept in `bench/.data/`, not in git) and',
      'times four runs on one database, each in a process of its own as a user\'s runs are (its peak memory its own): the',
      'whole run (it trains), the same files again at the same as-of (a rerun, every file already loaded), the **daily',
      'run** (one more day of orders, written by `demo-data --follow-up` from the publication, the champion kept) and the',
      '**champion-kept run** (the base one day later with no new orders, the champion kept: every customer\'s recency',
      'moves, so everyone is rescored). In the same bench run, right after fidelio\'s whole run (a shared host\'s speed',
      'drifts within minutes, so the two are timed one after the other), it times **the reference Python',
      'stack** on the same orders file (`bench/reference.py`: pandas RFM and rhythm features with a group-by at two',
      'cutoffs, an XGBoost churn classifier and an XGBoost 90-day spend regressor, 200 depth-6 histogram trees each,',
      'trained one horizon back and applied at as-of, scores written to CSV), then both again in the same order',
      '(fidelio\'s whole run from nothing in a folder of its own, its model version compared with the first\'s), and',
      'gives the ratio fidelio / Python of the two pairs\' sums, each pair\'s ratio beside it; it',
      'needs Debian\'s `python3-pandas` and `python3-xgboost` (`FIDELIO_BENCH_PYTHON` names another interpreter), and',
      'without them the report says "reference stack: NOT MEASURED" and why. Not timed, the same XGBoost models trained',
      'two horizons back and scored one back (the windows of fidelio\'s backtest) give its AUC and Gini. Each stage is',
      'set against its floor: ingest against DuckDB\'s typed `read_csv` of the three files with `store_rejects`;',
      'features against one DuckDB query of customer_features\' order aggregates; scoring against the networks\'',
      'prediction plus one evaluation of the champion\'s purchase model per distinct (x, t_x, T); publication against',
      'writing customer_scores, kpis_monthly and personas to Parquet once. Beside them it measures what the contract',
      'itself asks of every run: customer_scores written natively in the three forms the release holds (Parquet, CSV and',
      'the read-only DuckDB copy, two connections at once) and as the working database\'s table, and says whether those',
      'forms alone are within 3x of the publication\'s floor, and what the native work of a run that rescores everyone',
      'leaves of the kept and daily targets. Each floor is measured three times after the',
      'runs and the fastest kept (the networks\' prediction in a process of its own; a floor of parts, such as the three',
      'files, sums each part\'s fastest; the report gives',
      'the spread): one measurement on a busy host can come out slower than the work, and flatter the stage. Each stage',
      'and each run also says its CPU time (every thread\'s, user and kernel: the manifest\'s `cpu_seconds`) and the average',
      'number of CPUs it kept busy, and each timed target the least time that CPU time allows on the machine\'s CPUs: a run',
      'whose CPU-seconds over the CPUs exceed its target cannot meet it by better overlap alone at that CPU cost, only with less',
      'CPU time (less work, or work that costs less CPU). The stages',
      'are timed once, in their runs, so the ratios lean strict. A shared machine\'s load moves every figure:',
      'compare figures taken in one run, and read the ratio to Python, measured in the same run, as the one that holds.',
    ].join('\n'),
  },
  {
    mode: 'score',
    title: "Scoring's memory when the base doubles",
    about: [
      '`npm run bench -- --mode score --customers 1000000,2000000`. Scoring streams: the networks and the BTYD models',
      'read `customer_features` and the summaries in batches of 65,536 customers through a connection of their own and',
      'write each batch\'s scores before reading the next; the reasons do the same for the customers to contact and the',
      'VIPs given an action; the customer cache of the BTYD formulas lives for one batch; the rest (customer_scores.sql)',
      'is DuckDB within its memory limit, spilling beyond it. So the JavaScript side holds one batch, and DuckDB\'s share',
      'grows up to its memory limit and no further: twice the customers should take twice the time and not twice the',
      'memory.',
    ].join('\n'),
  },
  {
    mode: 'exports',
    title: 'A raw line-item export, clean and half rejected',
    about: [
      '`npm run bench -- --mode exports`: the same export ingested clean and with half of its lines broken; the rejected',
      'lines are recorded in one pass, not one lookup each, so the ratio of the two (target at most 3) stays small. A line',
      'repeating another of its order exactly is a line item and counts; a report taken before that rule counts such',
      'lines as duplicates.',
    ].join('\n'),
  },
  {
    mode: 'btyd',
    title: 'The BTYD fits',
    about: '`npm run bench -- --mode btyd`: each fit with its grouping, optimiser and standard errors, on histories where they are hard (a million customers, a shop with no visible dropout, customers who never came back).',
  },
  {
    mode: 'features',
    title: 'Ingest and the feature tables',
    about: '`npm run bench -- --mode features`: ingest and the feature tables, each in its own process.',
  },
  {
    mode: 'neural',
    title: 'The networks on each backend',
    about: '`npm run bench -- --mode neural`: the networks trained and scoring on each TensorFlow.js backend that loads (tfjs-node is optional and cannot install where its binary download is blocked).',
  },
  {
    mode: 'postgres',
    title: 'The PostgreSQL publication',
    about: '`npm run bench -- --mode postgres --customers N`: the PostgreSQL publication alone, published twice into `FIDELIO_POSTGRES_URL` or, without it, a throwaway PostgreSQL 15 server on the same machine ([postgres.md](postgres.md#speed) says where the time goes).',
  },
];

const cell = (s: string) => s.replaceAll('|', '\\|');

/** "2026-12-04, 2 cores (Intel(R) Xeon(R) Processor), 24 GiB, Node v20.20.2; DuckDB threads 2, memory limit 2GB, block allocator 1.5GB." */
export function machineLine(r: BenchReport): string {
  const duckdb = [r.duckdb.threads !== undefined ? `threads ${r.duckdb.threads}` : '', r.duckdb.memoryLimit ? `memory limit ${r.duckdb.memoryLimit}` : '',
    // A report from before the setting ran with DuckDB's own, 0.
    r.duckdb.memoryLimit || r.duckdb.blockAllocatorMemory ? `block allocator ${r.duckdb.blockAllocatorMemory ?? '0'}` : '']
    .filter(Boolean).join(', ');
  return `Taken ${r.date} on ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memory_gib} GiB, Node ${r.machine.node}${duckdb ? `; DuckDB ${duckdb}` : ''}.`;
}

/** The lines of a Markdown report between its date line and its first table: what data it ran on. */
function dataLines(md: string): string[] {
  const lines = md.split('\n');
  const dated = lines.findIndex((l) => /^\d{4}-\d{2}-\d{2},/.test(l));
  if (dated < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(dated + 1)) {
    if (l.startsWith('|') || l.startsWith('#')) break;
    if (l.trim()) out.push(l);
  }
  return out;
}

/** One mode's section: its title, what it measures, the report's date and machine, its data, steps and targets. */
export function reportSection(title: string, about: string, report: BenchReport, md: string | undefined, file: string): string {
  const lines = [
    `## ${title}`,
    '',
    about,
    '',
    `From [\`bench/${file}.md\`](../bench/${file}.md) (and \`.json\`). ${machineLine(report)}`,
    ...(md ? dataLines(md) : []),
    '',
    '| step | seconds | peak RSS (MiB) | note |',
    '|---|---|---|---|',
    ...report.steps.map((s) => `| ${cell(s.step)} | ${s.seconds} | ${s.peak_mib ?? ''} | ${cell(s.note ?? '')} |`),
  ];
  if (report.targets?.length) {
    lines.push('', 'Against the targets:', '', '| target | measured | met | what stops it |', '|---|---|---|---|',
      ...report.targets.map((t) => `| ${cell(t.target)} | ${cell(t.measured)} | ${t.met ? 'met' : '**not met**'} | ${t.met ? '' : cell(t.stops ?? '')} |`));
  }
  return lines.join('\n');
}

/** A report kept only as Markdown (fidelio serve's routes): its text under a section title, its own title dropped. */
function markdownSection(title: string, md: string, file: string): string {
  const body = md.split('\n').filter((l, i) => !(i === 0 && l.startsWith('# '))).join('\n').trim();
  return [`## ${title}`, '', `From [\`bench/${file}\`](../bench/${file}), as written:`, '', body].join('\n');
}

/** docs/performance.md from the reports in `dir` (bench/). */
export function renderPerformanceDoc(dir: string): string {
  const files = readdirSync(dir).sort();
  const sections: string[] = [];
  for (const { mode, title, about } of MODES) {
    const json = join(dir, `REPORT-${mode}.json`);
    if (!existsSync(json)) continue;
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    const mdPath = join(dir, `REPORT-${mode}.md`);
    sections.push(reportSection(title, about, report, existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : undefined, `REPORT-${mode}`));
  }
  if (files.includes('REPORT-serve.md')) {
    sections.push(markdownSection("`fidelio serve`'s routes at a million customers", readFileSync(join(dir, 'REPORT-serve.md'), 'utf8'), 'REPORT-serve.md'));
  }
  const earlier = files.filter((f) => /^REPORT-run-[0-9a-f]+\.md$/.test(f));
  if (earlier.length) {
    sections.push(['## Earlier run reports', '', 'Kept to compare a change with the code before it, on the same machine and data:', '',
      ...earlier.map((f) => {
        const md = readFileSync(join(dir, f), 'utf8');
        const date = md.split('\n').find((l) => /^\d{4}-\d{2}-\d{2},/.test(l)) ?? '';
        return `- [\`bench/${f}\`](../bench/${f}): the code at ${f.slice('REPORT-run-'.length, -'.md'.length)}; ${date}`;
      })].join('\n'));
  }
  return [
    '# Performance',
    '',
    '<!-- Generated from the bench reports in bench/ by `npm run docs:performance`; run the bench, not an editor, to change it. -->',
    '',
    '[README](../README.md) · the figures of the latest bench reports, each with the date and machine it was taken on.',
    '`npm run bench` (by hand, never in the tests; `--mode run|score|features|btyd|neural|exports|postgres`,',
    '`--customers N`, `--memory-limit`, `--block-allocator-memory`) generates a history with the demo generator (a million customers and about ten',
    'million order lines by default, seed 42), times it and writes `bench/REPORT-<mode>.md` and `.json`; then',
    '`npm run docs:performance` writes this page from them. Figures taken on different days or machines do not compare:',
    'each section says when and where its report was taken. What is not met is summed up in [open-work.md](open-work.md).',
    '',
    sections.join('\n\n'),
    '',
  ].join('\n');
}
