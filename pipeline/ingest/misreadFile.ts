import type { Database } from '../db/Database.js';
import type { ValueFormat } from '../shared/inputFormats.js';

/** When a file counts as misread (ingest.maxRejectedShare, maxMisreadAmountShare, maxRejectedValueShare); undefined: no limit. */
export interface MisreadLimits {
  /** Of its lines, rejected at any step. */
  maxRejectedShare?: number;
  /** Of its lines, rejected with an amount that is a number written with other separators than the configuration's. */
  maxMisreadAmountShare?: number;
  /** Of its value (the absolute amounts of every line, the rejected ones read leniently), in rejected lines (a key's other version, its first line kept, aside). */
  maxRejectedValueShare?: number;
}

/** What a file's rejected lines amount to: their count, and for orders the amounts the configuration could not read and their value. */
export interface RejectedWeight {
  rowsRead: number;
  rejected: number;
  /** Rejected lines whose amount, quantity or unit price is a number written with other separators (`€1.234,50` read with a decimal point). */
  misreadAmounts: number;
  /** The first such value and its line. */
  misreadExample?: { line: number; value: string };
  /** The share of the file's value in rejected lines (0 when the file's lines carry no readable amount). */
  valueShare: number;
}

/** The text of an amount with its currency sign and spaces taken out. */
const bare = (v: string) => `regexp_replace(trim(${v}), '[$€£¥[:space:]]', '', 'g')`;

/** A number written with a thousands separator and a decimal part of either kind: 1.234,50 1,234.50 12,05 1234. */
const NUMBER_SHAPE = "'^[-+]?([0-9]{1,3}([.,''][0-9]{3})+|[0-9]+)([.,][0-9]+)?$'";

/**
 * A number-shaped text read without knowing its separators (for weighing
 * rejected lines only, never stored): the last separator is the decimal one
 * unless three digits follow it and no separator of the other kind comes
 * before (1.234 is a thousand and more; 1,234.5 and 12,05 are not).
 */
function lenientNumber(v: string): string {
  const b = bare(v);
  const tail = `regexp_extract(${b}, '[.,]([0-9]+)$', 1)`;
  const sep = `regexp_extract(${b}, '([.,])[0-9]+$', 1)`;
  const head = `regexp_replace(${b}, '[.,][0-9]+$', '')`;
  const decimal = `(${tail} <> '' AND (length(${tail}) <> 3 OR contains(${head}, CASE ${sep} WHEN '.' THEN ',' ELSE '.' END)))`;
  return `CASE WHEN regexp_matches(${b}, ${NUMBER_SHAPE}) THEN TRY_CAST(CASE WHEN ${decimal}
    THEN regexp_replace(${head}, '[.,'']', '', 'g') || '.' || ${tail} ELSE regexp_replace(${b}, '[.,'']', '', 'g') END AS DOUBLE) END`;
}

/**
 * Weighs the rejected lines of temp table `checked` (after every step that
 * rejects: the first checks and the merge's), reading the text of an orders
 * file's rejected amounts from the staged `relation`.
 */
export async function weighRejected(db: Database, relation: string, kind: string, rowsRead: number): Promise<RejectedWeight> {
  const rejected = (await db.value<number>(`SELECT count(*) FROM checked WHERE status = 'rejected'`)) ?? 0;
  const weight: RejectedWeight = { rowsRead, rejected, misreadAmounts: 0, valueShare: 0 };
  if (kind !== 'orders' || rejected === 0) return weight;
  // The text of the amounts is read back only for the rejected lines that have no typed amount (a clean file's staged
  // relation is a fresh read of it).
  const untyped = await db.value<number>(`SELECT count(*) FROM checked WHERE status = 'rejected' AND amount IS NULL`);
  const text = untyped
    ? `LEFT JOIN (SELECT line, amount AS amount_text, quantity AS quantity_text, unit_price AS price_text FROM ${relation}
        WHERE line IN (SELECT line FROM checked WHERE status = 'rejected' AND amount IS NULL)) s USING (line)`
    : `CROSS JOIN (SELECT NULL::VARCHAR AS amount_text, NULL::VARCHAR AS quantity_text, NULL::VARCHAR AS price_text) s`;
  await db.run(`CREATE OR REPLACE TEMP TABLE rejected_amounts AS
    SELECT c.line, c.amount AS typed, c.reason_class, s.amount_text, s.quantity_text, s.price_text,
      ${lenientNumber('s.amount_text')} AS amount_lenient, ${lenientNumber('s.quantity_text')} AS quantity_lenient, ${lenientNumber('s.price_text')} AS price_lenient
    FROM (SELECT line, amount, reason_class FROM checked WHERE status = 'rejected') c ${text}`);
  try {
    const misread = await db.one<{ n: number; line: number | null; value: string | null }>(`SELECT count(*) AS n,
        min(line) AS line, arg_min(CASE WHEN amount_misread THEN amount_text WHEN quantity_misread THEN quantity_text ELSE price_text END, line) AS value
      FROM (SELECT *,
          regexp_matches(reason_class, '(^|;)amount_(not_a_number|decimal_comma)') AND amount_lenient IS NOT NULL AS amount_misread,
          regexp_matches(reason_class, '(^|;)quantity_(not_a_number|decimal_comma)') AND quantity_lenient IS NOT NULL AS quantity_misread,
          regexp_matches(reason_class, '(^|;)unit_price_(not_a_number|decimal_comma)') AND price_lenient IS NOT NULL AS price_misread
        FROM rejected_amounts WHERE reason_class IS NOT NULL)
      WHERE amount_misread OR quantity_misread OR price_misread`);
    weight.misreadAmounts = Number(misread?.n ?? 0);
    if (misread?.line != null) weight.misreadExample = { line: Number(misread.line), value: String(misread.value) };
    const value = await db.one<{ rejected: number | null; accepted: number | null }>(`SELECT
        (SELECT sum(abs(coalesce(CAST(typed AS DOUBLE), amount_lenient, quantity_lenient * price_lenient))) FROM rejected_amounts
          -- another version of an order kept from an earlier line: its value is not lost
          WHERE NOT coalesce(regexp_full_match(reason_class, '[a-z_]+_repeated_with_other_values'), false)) AS rejected,
        (SELECT sum(abs(CAST(amount AS DOUBLE))) FROM checked WHERE status <> 'rejected') AS accepted`);
    const rejectedValue = Number(value?.rejected ?? 0);
    const total = rejectedValue + Number(value?.accepted ?? 0);
    weight.valueShare = total > 0 ? rejectedValue / total : 0;
  } finally {
    await db.run('DROP TABLE IF EXISTS rejected_amounts');
  }
  return weight;
}

const pct = (v: number) => `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`;

/**
 * Why a file is misread, in words (undefined: it is not): too many of its
 * lines rejected at any step, amounts the configuration cannot read, or
 * rejected lines that hold a large share of its value.
 */
export function misreadReason(w: RejectedWeight, limits: MisreadLimits, kind: string, format: ValueFormat): string | undefined {
  if (w.rowsRead === 0 || w.rejected === 0) return undefined;
  const n = (v: number) => v.toLocaleString('en-US');
  const reasons: string[] = [];
  const share = w.rejected / w.rowsRead;
  const tooMany = limits.maxRejectedShare !== undefined && share > limits.maxRejectedShare;
  if (tooMany) {
    reasons.push(`${n(w.rejected)} of its ${n(w.rowsRead)} lines (${pct(share)}) were rejected, more than ingest.maxRejectedShare (${pct(limits.maxRejectedShare!)})`);
  }
  const misread = w.misreadAmounts / w.rowsRead;
  if (limits.maxMisreadAmountShare !== undefined && w.misreadAmounts > 0 && misread > limits.maxMisreadAmountShare) {
    const example = w.misreadExample ? ` (such as '${w.misreadExample.value}' at line ${w.misreadExample.line})` : '';
    reasons.push(`${n(w.misreadAmounts)} of its ${n(w.rowsRead)} lines (${pct(misread)}) hold amounts written as numbers the configuration cannot read${example}, more than ingest.maxMisreadAmountShare (${pct(limits.maxMisreadAmountShare)}): formats.${kind} reads a decimal '${format.decimal}' and ${format.thousands ? `thousands '${format.thousands}'` : 'no thousands separator'}`);
  }
  // The value weighs lines only under the line-share limit: past it, it would say the same again.
  if (!tooMany && limits.maxRejectedValueShare !== undefined && w.valueShare > limits.maxRejectedValueShare) {
    reasons.push(`its ${n(w.rejected)} rejected line${w.rejected === 1 ? '' : 's'} hold ${pct(w.valueShare)} of the file's value (its amounts read as well as they can be), more than ingest.maxRejectedValueShare (${pct(limits.maxRejectedValueShare)})`);
  }
  return reasons.length ? reasons.join('; and ') : undefined;
}
