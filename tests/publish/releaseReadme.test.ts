import { expect, test } from 'vitest';
import { releaseReadme } from '../../pipeline/publish/releaseReadme.js';
import { DATA_DICTIONARY } from '../../pipeline/shared/dataDictionary.js';

test("a release's README: the run, every file with what it is, and every table's columns from the data dictionary", () => {
  const text = releaseReadme({ runId: 'r1', asOf: '2026-09-30', horizonDays: 90, currency: 'EUR', modelVersion: 'fidelio-abc' });
  expect(text.startsWith('# fidelio release: as of 2026-09-30\n')).toBe(true);
  expect(text).toContain('model `fidelio-abc`, amounts in EUR.');
  for (const t of DATA_DICTIONARY.filter((d) => d.sinks.some((s) => s !== 'postgres'))) {
    if (t.sinks.includes('parquet')) expect(text).toContain(`| \`${t.name}.parquet\` | ${t.meaning}`);
    if (t.sinks.includes('csv')) expect(text).toContain(`| \`${t.name}.csv\` | ${t.meaning}`);
    expect(text).toContain(`## ${t.name}\n`);
    for (const c of t.columns) expect(text).toContain(`| \`${c.name}\` | ${c.type} |`);
  }
  for (const f of ['report.html', 'model_metrics.json', 'run_manifest.json', 'fidelio.duckdb', 'README.md']) expect(text).toContain(`| \`${f}\` |`);
  expect(text).toContain('In `fidelio.duckdb` only: `customer_scores_history`, `customers`, `rejected_rows`.');
  // A table published to PostgreSQL alone is not in the folder, nor on its page.
  for (const t of DATA_DICTIONARY.filter((d) => d.sinks.every((s) => s === 'postgres'))) expect(text).not.toContain(`## ${t.name}\n`);
});
