import { DATA_DICTIONARY, type ColumnEntry, type TableEntry } from './dataDictionary.js';

const SINK_WORDS = { duckdb: '`fidelio.duckdb`', parquet: 'Parquet', csv: 'CSV', postgres: 'PostgreSQL' } as const;

const cell = (s: string) => s.replaceAll('|', '\\|');

function checks(c: ColumnEntry, entry: TableEntry): string {
  const out: string[] = [];
  if (c.notNull || entry.key.includes(c.name)) out.push('not null');
  if (entry.key.length === 1 && entry.key[0] === c.name) out.push('unique');
  if (c.range?.min !== undefined && c.range?.max !== undefined) out.push(`${c.range.min} to ${c.range.max}`);
  else if (c.range?.min !== undefined) out.push(`>= ${c.range.min}`);
  else if (c.range?.max !== undefined) out.push(`<= ${c.range.max}`);
  if (c.values) out.push(`one of ${c.values.map((v) => `\`${v}\``).join(', ')}`);
  return out.join('; ');
}

/** One table's section: its meaning, where it is published, and its columns with types, checks and meanings. */
export function tableDoc(entry: TableEntry): string {
  const lines = [
    `## ${entry.name}`,
    '',
    entry.meaning,
    '',
    `Published in: ${entry.sinks.map((s) => SINK_WORDS[s]).join(', ')}.${entry.key.length > 1 ? ` One row per (${entry.key.map((k) => `\`${k}\``).join(', ')}): unique together.` : ''}`,
    '',
    '| column | type | checks | meaning |',
    '|---|---|---|---|',
    ...entry.columns.map((c) => `| \`${c.name}\` | ${c.type}${c.pgType ? ` (${c.pgType} in PostgreSQL)` : ''} | ${cell(checks(c, entry))} | ${cell(c.meaning)} |`),
  ];
  return lines.join('\n');
}

/** docs/outputs.md: every published table of the data dictionary with its columns, types, checks and meanings. */
export function renderOutputsDoc(dictionary: readonly TableEntry[] = DATA_DICTIONARY): string {
  return [
    '# Outputs: the data dictionary',
    '',
    '<!-- Generated from pipeline/shared/dataDictionary.ts by `npm run docs:outputs`; edit the declarations, not this file. -->',
    '',
    'Every table fidelio publishes, with its columns in their published order, their types (as DuckDB gives them in',
    'the published `fidelio.duckdb`; in PostgreSQL: VARCHAR is `text`, DOUBLE `double precision`, HUGEINT and DECIMAL',
    '`numeric`), the checks their values keep (tested on a demo run) and what each means. Empty means NULL in DuckDB,',
    'Parquet and PostgreSQL and an empty cell in CSV.',
    '',
    ...dictionary.map((t) => `- [${t.name}](#${t.name})`),
    '',
    dictionary.map(tableDoc).join('\n\n'),
    '',
  ].join('\n');
}
