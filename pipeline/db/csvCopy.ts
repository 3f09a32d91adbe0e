import { spreadsheetSafeSql } from '../shared/csv.js';
import { ident, literal, type Database } from './Database.js';

/**
 * Writes the rows of `query` to the CSV file `path` with DuckDB's COPY
 * (header, comma), every text column made spreadsheet-safe (shared/csv.ts)
 * and every other column as it is, in the query's column order.
 */
export async function copyCsv(db: Database, query: string, path: string): Promise<void> {
  const columns = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`);
  const select = columns.map(({ column_name: name, column_type: type }) =>
    (type === 'VARCHAR' ? `${spreadsheetSafeSql(`q.${ident(name)}`)} AS ${ident(name)}` : `q.${ident(name)}`)).join(', ');
  // A text column holding a semicolon is quoted throughout: a spreadsheet in a semicolon locale would split
  // the cell there, and the part after it could start a formula (COPY quotes only for commas, quotes, line ends).
  const text = columns.filter((c) => c.column_type === 'VARCHAR').map((c) => c.column_name);
  const withSemicolon = text.length
    ? Object.entries((await db.one<Record<string, boolean | null>>(`SELECT ${text.map((n, i) => `bool_or(contains(q.${ident(n)}, ';')) AS c${i}`).join(', ')} FROM (${query}) q`))!)
      .filter(([, v]) => v === true).map(([k]) => text[Number(k.slice(1))]!)
    : [];
  const forceQuote = withSemicolon.length ? `, FORCE_QUOTE (${withSemicolon.map(ident).join(', ')})` : '';
  await db.run(`COPY (SELECT ${select} FROM (${query}) q) TO ${literal(path)} (HEADER, DELIMITER ','${forceQuote})`);
}
