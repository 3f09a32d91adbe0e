import type { Database } from '../db/Database.js';

/** The filters and format of a list, as `fidelio list` takes them (its ListOptions). */
export interface ListFilters {
  top?: number;
  format: 'csv' | 'json';
  risk: string;
  tier?: string;
  segment?: string;
  country?: string[];
  persona?: string;
}

/**
 * `fidelio list`'s own functions, handed to the server by the serve
 * command (cli/ imports serve/, never the reverse): the query that selects
 * and orders a list's customers, the writer of its CSV or JSON, and the
 * --top check. The page pages that query and its download is that writer's
 * output, so both are the command's by construction.
 */
export interface ListFunctions {
  listQuery(db: Database, path: string, what: string, o: ListFilters): Promise<{ from: string; order: string; params: Record<string, string | number>; columns: Set<string>; ranking: { column: string; meaning: string } }>;
  listText(db: Database, path: string, what: string, o: ListFilters): Promise<string>;
  topCount(value: string): number;
}
