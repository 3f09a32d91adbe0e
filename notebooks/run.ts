/** Executes the notebooks on a publication: `npm run notebooks -- [--published data/out] [--out notebooks/out]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { crmLoop } from './crmLoop.js';
import { explore } from './explore.js';

const { values } = parseArgs({ options: { published: { type: 'string', default: 'data/out' }, out: { type: 'string', default: 'notebooks/out' } } });
mkdirSync(values.out!, { recursive: true });
for (const [name, notebook] of [['explore.html', explore], ['crm-loop.html', crmLoop]] as const) {
  const path = join(values.out!, name);
  writeFileSync(path, await notebook(values.published!));
  process.stdout.write(`${path}\n`);
}
