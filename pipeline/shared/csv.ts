/** One CSV line: fields quoted when they hold a quote, a comma or a line break; NULL as empty. */
export function csvLine(values: unknown[]): string {
  return values
    .map((v) => {
      if (v === null || v === undefined) return '';
      const s = String(v);
      return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    })
    .join(',');
}
