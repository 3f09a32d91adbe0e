/** Executes the notebooks on a publication: `npm run notebooks -- [--published data/out] [--out notebooks/out]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { explore } from './explore.js';

const { values } = parseArgs({ options: { published: { type: 'string', default: 'data/out' }, out: { type: 'string', default: 'notebooks/out' } } });
mkdirSync(values.out!, { recursive: true });
const path = join(values.out!, 'explore.html');
writeFileSync(path, await explore(values.published!));
process.stdout.write(`${path}\n`);
