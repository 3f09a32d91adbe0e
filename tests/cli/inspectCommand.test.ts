import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { writeExport } from '../../pipeline/demo/exportShapes.js';
import { runCli } from '../helpers/cli.js';
import { withTempDir, writeFile } from '../helpers/withDb.js';

test('inspect prints a configuration on standard output, or exit 2 naming what it cannot decide', async () => {
  await withTempDir(async (dir) => {
    const orders = join(dir, 'eu.csv');
    writeExport('european', orders, 1, 60);
    const customers = writeFile(dir, 'customers.csv', 'Customer No;Country\nK00001;DE\n');
    const out = await runCli(['inspect', '--orders', orders, '--customers', customers]);
    expect(out.code).toBe(0);
    const config = parse(out.stdout);
    expect(config.orders).toEqual([orders]);
    expect(config.formats.customers.delimiter).toBe(';');
    expect(config.columns.customers).toEqual({ customer_id: 'Customer No', country: 'Country' });
    const ambiguous = writeFile(dir, 'a.csv', 'order_id,customer_id,date,total\n1,a,1/2/2025,1.00\n2,b,3/4/2025,2.00\n');
    const refused = await runCli(['inspect', '--orders', ambiguous]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.errors).toContain('cannot tell month/day from day/month');
    expect((await runCli(['inspect'])).code).toBe(2);
  });
});
