/**
 * What every notebook shares: a cell (a question, why it matters, the SQL
 * that answers it against a publication's read-only database, an optional
 * chart), running cells, and the page they are shown on.
 */
import type { Database, Row } from '../pipeline/db/Database.js';

export interface Cell {
  title: string;
  /** Why the question matters, in a sentence or two. */
  prose: string;
  sql: string;
  /** Optional chart from the result rows. */
  chart?: (rows: Row[]) => string;
  /** Optional words from the result rows, shown above the table. */
  words?: (rows: Row[]) => string;
}

export const esc = (v: unknown) => String(v ?? '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function table(rows: Row[]): string {
  if (rows.length === 0) return '<p><em>no rows</em></p>';
  const cols = Object.keys(rows[0]!);
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${esc(r[c])}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A section with its own content (a cell that is not one query). */
export const section = (title: string, prose: string, body: string) => `<section><h2>${esc(title)}</h2><p>${esc(prose)}</p>${body}</section>`;

/** Runs each cell and returns its section. */
export async function runCells(db: Database, cells: Cell[]): Promise<string[]> {
  const sections: string[] = [];
  for (const cell of cells) {
    const rows = await db.all(cell.sql);
    const words = cell.words ? `<p class="words">${esc(cell.words(rows))}</p>` : '';
    sections.push(`<section><h2>${esc(cell.title)}</h2><p>${esc(cell.prose)}</p><pre>${esc(cell.sql.replace(/\n\s+/g, '\n  '))}</pre>${words}${cell.chart && rows.length ? cell.chart(rows) : ''}${table(rows)}</section>`);
  }
  return sections;
}

/** The notebook as one self-contained HTML page. */
export function page(title: string, subtitle: string, intro: string, sections: string[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:0 auto;padding:16px;color:#1d2433}pre{background:#f3f5fa;padding:8px;overflow-x:auto}
table{border-collapse:collapse;font-size:.9em;display:block;overflow-x:auto;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}.chart{width:100%;max-width:640px;height:auto}.words{font-weight:600}</style>
</head><body><h1>${esc(title)}</h1><p>${esc(subtitle)}</p>${intro}${sections.join('\n')}</body></html>\n`;
}
