import type { Database } from '../db/Database.js';
import type { ListOptions } from '../publish/customerList.js';

/** The filters and format of a list, as `fidelio list` takes them (its ListOptions, less where it writes and reads). */
export type ListFilters = Pick<ListOptions, 'top' | 'format' | 'risk' | 'tier' | 'segment' | 'country' | 'persona'>;

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
