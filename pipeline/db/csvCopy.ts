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
  await db.run(`COPY (SELECT ${select} FROM (${query}) q) TO ${literal(path)} (HEADER, DELIMITER ',')`);
}
