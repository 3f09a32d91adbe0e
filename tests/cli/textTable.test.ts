import { expect, test } from 'vitest';
import { printRows, rowsFormat, textTable } from '../../pipeline/cli/textTable.js';

test('a table: numbers right-aligned to four decimals, text left, long text cut, NULL empty', () => {
  const rows = [{ name: 'a', auc: 0.859291234, note: null }, { name: 'bbbb', auc: 0.5, note: 'x'.repeat(70) }];
  expect(textTable(['name', 'auc', 'note'], rows)).toBe([
    'name     auc  note',
    '----  ------  ' + '-'.repeat(60),
    'a     0.8593',
    'bbbb     0.5  ' + 'x'.repeat(59) + '…',
  ].join('\n') + '\n');
});

test('the format: asked for, else a table on a terminal and JSON when piped', () => {
  expect(rowsFormat(undefined, true)).toBe('table');
  expect(rowsFormat(undefined, false)).toBe('json');
  expect(rowsFormat('json', true)).toBe('json');
  expect(rowsFormat('table', false)).toBe('table');
  expect(printRows('json', [{ a: 1 }], ['a'])).toBe('[\n  {\n    "a": 1\n  }\n]\n');
  expect(printRows('table', [], ['a'])).toBe('(none)\n');
});
