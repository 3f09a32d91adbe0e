import { expect, test } from 'vitest';
import { GLOSSARY, glossarySection } from '../../pipeline/publish/glossary.js';

test('the glossary: each term once, each with a definition, rendered escaped as a definition list', () => {
  const terms = GLOSSARY.map((g) => g.term);
  expect(new Set(terms).size).toBe(terms.length);
  expect(GLOSSARY.every((g) => g.text.length > 20 && g.text.endsWith('.'))).toBe(true);
  const html = glossarySection();
  expect((html.match(/<dt>/g) ?? []).length).toBe(GLOSSARY.length);
  expect(html).toContain("<dt>cant_lose</dt><dd>among the best customers by frequency and spend, but not recently or at high churn risk: the ones the business can't lose.</dd>");
  expect(html).not.toMatch(/<(?!\/?(h2|dl|dt|dd)\b)/);
});
