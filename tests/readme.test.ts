import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { configSchema } from '../pipeline/config.js';
import { packageRoot } from '../pipeline/db/sqlFile.js';

test('the configuration example in the README is a valid configuration', () => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('```yaml') + '```yaml'.length;
  const example = parse(readme.slice(start, readme.indexOf('```', start)));
  const parsed = configSchema.safeParse(example);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
});
