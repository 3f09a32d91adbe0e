import { expect, test } from 'vitest';
import { COLUMN_NAMES, candidatesFor, normalizedName } from '../../pipeline/inspect/columnNames.js';
import { specs } from '../../pipeline/shared/inputSpecs.js';

test('names are compared without case, spaces, punctuation or accents; the most telling name first', () => {
  expect(normalizedName('Invoice No.')).toBe('invoiceno');
  expect(normalizedName('Catégorie')).toBe('categorie');
  expect(candidatesFor('orders', 'order_id', ['Name', 'Invoice No', 'Total'])).toEqual(['Invoice No', 'Name']);
  expect(candidatesFor('orders', 'amount', ['Subtotal', 'Total', 'Betrag'])).toEqual(['Total', 'Betrag']);
  expect(candidatesFor('orders', 'customer_id', ['Email', 'CustomerID'])).toEqual(['CustomerID', 'Email']);
  expect(candidatesFor('orders', 'currency', ['Währung'])).toEqual(['Währung']);
  // Every canonical column of every kind has names to look for.
  for (const [kind, spec] of Object.entries(specs)) for (const c of spec.columns) expect(COLUMN_NAMES[kind as keyof typeof specs][c.name]?.length, `${kind}.${c.name}`).toBeGreaterThan(0);
});
