import { expect, test } from 'vitest';
import { csvLine } from '../../pipeline/shared/csv.js';

test('fields with quotes, commas or line breaks are quoted, quotes doubled; NULL is empty', () => {
  expect(csvLine(['a', 1, null, undefined, true])).toBe('a,1,,,true');
  expect(csvLine(['x,y', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('"x,y","say ""hi""","two\nlines","cr\r"');
});
