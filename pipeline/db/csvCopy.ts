import { spreadsheetSafeSql, startsLikeFormulaSql } from '../shared/csv.js';
import { ident, literal, type Database } from './Database.js';

/**
 * Writes the rows of `query` to the CSV file `path` with DuckDB's COPY
 * (header, comma), every text column made spreadsheet-safe (shared/csv.ts)
 * and every other column as it is, in the query's column order.
 *
 * One pass over the rows first says, per text column, whether any value
 * holds a semicolon and whether any starts like a formula: the rule's CASE
 * is written only for the columns that have such a value (a column none of
 * whose values starts so is the same text with or without it, and a
 * million rows of ten text columns skip it: seconds of the publish stage).
 */
export async function copyCsv(db: Database, query: string, path: string): Promise<void> {
  const columns = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${query}`);
  const text = columns.filter((c) => c.column_type === 'VARCHAR').map((c) => c.column_name);
  const seen = text.length
    ? (await db.one<Record<string, boolean | null>>(`SELECT ${text.map((n, i) => `bool_or(contains(q.${ident(n)}, ';')) AS s${i}, bool_or(${startsLikeFormulaSql(`q.${ident(n)}`)}) AS f${i}`).join(', ')} FROM (${query}) q`))!
    : {};
  const formulaLike = new Set(text.filter((_, i) => seen[`f${i}`] === true));
  const select = columns.map(({ column_name: name }) =>
    (formulaLike.has(name) ? `${spreadsheetSafeSql(`q.${ident(name)}`)} AS ${ident(name)}` : `q.${ident(name)}`)).join(', ');
  // A text column holding a semicolon is quoted throughout: a spreadsheet in a semicolon locale would split
  // the cell there, and the part after it could start a formula (COPY quotes only for commas, quotes, line ends).
  const withSemicolon = text.filter((_, i) => seen[`s${i}`] === true);
  const forceQuote = withSemicolon.length ? `, FORCE_QUOTE (${withSemicolon.map(ident).join(', ')})` : '';
  await db.run(`COPY (SELECT ${select} FROM (${query}) q${IN_ONE_STREAM}) TO ${literal(path)} (HEADER, DELIMITER ','${forceQuote})`);
}

/**
 * Joined by position to an empty relation, the rows are read by one thread in their order and DuckDB writes the CSV
 * as they come (its plain COPY_TO_FILE). From a source it can split in order (a table's scan, a sort), DuckDB's
 * ordered CSV writer (BATCH_COPY_TO_FILE) instead copies every batch of rows into a buffer of its own before
 * formatting and writing it: for customer_scores at a million customers, 5.5-5.9 CPU-s against 3.5 from one stream
 * (bench base, the fastest of several). Alone, the batch writer is the shorter on the clock; in the release, where the
 * database copy runs beside it on the other thread, the publish stage took about 1.3 CPU-s less and no less time
 * (issue 25's stop of 2026-12-07). The same bytes either way (tests/db/csvCopy.test.ts holds both, and the plan this
 * gives).
 */
const IN_ONE_STREAM = ' POSITIONAL JOIN (SELECT NULL AS one_stream LIMIT 0) one_stream';
