import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { packageRoot } from '../../pipeline/db/sqlFile.js';
import { DATA_DICTIONARY } from '../../pipeline/shared/dataDictionary.js';
import { renderOutputsDoc } from '../../pipeline/shared/outputsDoc.js';

test('docs/outputs.md is the one generated from the data dictionary (npm run docs:outputs)', () => {
  expect(readFileSync(join(packageRoot, 'docs', 'outputs.md'), 'utf8')).toBe(renderOutputsDoc());
});

test('the page has every table and every column of the dictionary, with its meaning', () => {
  const doc = renderOutputsDoc();
  for (const t of DATA_DICTIONARY) {
    expect(doc).toContain(`## ${t.name}\n`);
    for (const c of t.columns) expect(doc).toContain(`| \`${c.name}\` | ${c.type}${c.pgType ? ` (${c.pgType} in PostgreSQL)` : ''} |`);
  }
  expect(doc).toContain('| `churn_probability` | DOUBLE | not null; 0 to 1 | P(no purchase in (as_of, as_of + H]), from the churn champion, calibrated. |');
  expect(doc).toContain('| `manifest` | VARCHAR (jsonb in PostgreSQL) | not null |');
});
