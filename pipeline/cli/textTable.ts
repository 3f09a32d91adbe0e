import { Option } from 'commander';

/** How a command prints rows: an aligned table for a person at a terminal, JSON for a script or a pipe. */
export type RowsFormat = 'table' | 'json';

/** --format table|json; the default follows standard output: a table on a terminal, JSON when piped or redirected. */
export function rowsFormatOption(): Option {
  return new Option('--format <format>', 'table or json (default: a table on a terminal, JSON when piped)').choices(['table', 'json']);
}

/** The format a command prints in: the one asked for, else by whether standard output is a terminal. */
export function rowsFormat(asked: string | undefined, isTty: boolean = Boolean(process.stdout.isTTY)): RowsFormat {
  return asked === 'table' || asked === 'json' ? asked : isTty ? 'table' : 'json';
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toFixed(4))) : String(v).replace(/\s+/g, ' '));

/**
 * Rows as an aligned text table: a header, a rule, one line per row;
 * numbers right-aligned (to four decimals), text left; a cell longer
 * than `maxWidth` is cut with an ellipsis (the JSON has it whole).
 */
export function textTable(columns: string[], rows: Record<string, unknown>[], maxWidth = 60): string {
  const text = rows.map((r) => columns.map((c) => {
    const s = cell(r[c]);
    return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
  }));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n') + '\n';
}

/** Rows in the chosen format: JSON as before, or a table of the given columns. */
export function printRows(format: RowsFormat, rows: Record<string, unknown>[], columns: string[]): string {
  return format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : rows.length ? textTable(columns, rows) : '(none)\n';
}
