import { ident, type Database } from '../db/Database.js';
import { specs } from '../shared/inputSpecs.js';

/** discount_used is read from the discount code: a code is mapped, discount_used is not. */
const discountFromCode = (mapped: ReadonlySet<string>) => mapped.has('discount_code') && !mapped.has('discount_used');

/** The columns settleOrderFields' relation provides for an orders file providing `mapped`: discount_used too when its code gives it. */
export function settledColumns(mapped: ReadonlySet<string>): ReadonlySet<string> {
  return discountFromCode(mapped) ? new Set([...mapped, 'discount_used']) : mapped;
}

/**
 * The staged rows of an orders file with each line's order fields settled,
 * as a relation for validateStage: with `firstRow` (a hosted shop's
 * "Export orders", formats.orders.orderFields: first_row) every line takes
 * its order's own fields (the orderLevel columns: customer, time, currency,
 * totals, status, the customer's attributes) from the order's first line,
 * where the export writes them, later lines carrying only the order id and
 * the item; and with a discount code mapped but no discount_used, a line's
 * discount_used is whether its order has a code. Returns `relation` itself
 * when there is nothing to settle.
 */
export async function settleOrderFields(db: Database, relation: string, mapped: ReadonlySet<string>, firstRow: boolean): Promise<string> {
  const fromCode = discountFromCode(mapped);
  if (!firstRow && !fromCode) return relation;
  const orderLevel = new Set(specs.orders.columns.filter((c) => c.orderLevel).map((c) => c.name));
  const value = (name: string) => (firstRow && orderLevel.has(name) ? `first_value(${ident(name)}) OVER w` : ident(name));
  const columns = specs.orders.columns.map((c) => {
    if (c.name === 'discount_used' && fromCode) {
      return `CASE WHEN NULLIF(trim(${value('discount_code')}), '') IS NOT NULL THEN 'true' ELSE 'false' END AS discount_used`;
    }
    return `${value(c.name)} AS ${ident(c.name)}`;
  });
  // The first line of an order is its first readable one: a line that could not be split into columns holds no field.
  await db.run(`CREATE OR REPLACE TEMP TABLE stage_settled AS
    SELECT line, raw, structural_error, structural_class, ${columns.join(', ')}
    FROM ${relation}
    WINDOW w AS (PARTITION BY structural_error IS NULL, trim(order_id) ORDER BY line)`);
  return 'stage_settled';
}
