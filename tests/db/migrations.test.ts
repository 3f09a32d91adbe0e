import { join } from 'node:path';
import { expect, test } from 'vitest';
import { Database } from '../../pipeline/db/Database.js';
import { migrate, migrations } from '../../pipeline/db/migrations.js';
import { withTempDir } from '../helpers/withDb.js';

test('a new database gets every migration once; reopening applies nothing', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'f.duckdb');
    const db = await Database.open(path);
    expect(await migrate(db)).toEqual({ from: 0, to: migrations.at(-1)!.version });
    db.close();
    const again = await Database.open(path);
    try {
      expect(await migrate(again)).toEqual({ from: migrations.at(-1)!.version, to: migrations.at(-1)!.version });
      expect(await again.value('SELECT count(*) FROM schema_migrations')).toBe(migrations.length);
      expect(await again.value(`SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('orders', 'customers', 'tickets', 'rejected_rows', 'runs')`)).toBe(5);
    } finally {
      again.close();
    }
  });
});

test('a file that is not a DuckDB database is refused with a message naming it', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'not.duckdb');
    (await import('node:fs')).writeFileSync(path, 'this is not a database, just text that goes on for a while '.repeat(100));
    await expect(Database.open(path)).rejects.toThrow(`cannot open ${path} as a DuckDB database`);
  });
});
