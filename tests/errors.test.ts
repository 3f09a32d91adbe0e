import { expect, test } from 'vitest';
import { DataError, FidelioError, InputError, UsageError, isProgrammingError, outputError, storageError } from '../pipeline/errors.js';

test('each error class carries the exit code of the contract: 2 usage and input shape, 1 data', () => {
  const usage = new UsageError('invalid configuration', ['horizonDays: too small', 'colour: unknown']);
  expect(usage).toBeInstanceOf(FidelioError);
  expect([usage.exitCode, usage.code, usage.name]).toEqual([2, 'E_USAGE', 'UsageError']);
  expect(usage.message).toBe('invalid configuration\n  - horizonDays: too small\n  - colour: unknown');
  expect(new UsageError('plain').message).toBe('plain');
  expect([new InputError('x').exitCode, new InputError('x').code]).toEqual([2, 'E_INPUT']);
  expect([new DataError('x').exitCode, new DataError('x').code]).toEqual([1, 'E_DATA']);
});

test('a refused write is told in words: a full disk exits 1, a read-only or missing place exits 2; other errors are not storage errors', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', path: '/data/out/x.csv' });
  expect(storageError(full)).toMatchObject({ exitCode: 1, code: 'E_STORAGE', message: 'cannot write /data/out/x.csv: no space left on the device (ENOSPC); free space there (or point --db and --out at a larger disk) and run again. The previous publication is intact.' });
  const ro = Object.assign(new Error('EROFS: read-only file system, mkdir'), { code: 'EROFS', path: '/mnt/ro/.out.releases' });
  expect(storageError(ro)).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^cannot use \/mnt\/ro\/\.out\.releases: the file system is read-only \(EROFS\); check the path, or point --db and --out/) });
  const duck = new Error('TransactionContext Error: Failed to commit: Could not write file "/tmp/full/f.duckdb.wal": No space left on device');
  expect(storageError(duck)).toMatchObject({ exitCode: 1, message: expect.stringMatching(/^cannot write \/tmp\/full\/f\.duckdb\.wal: no space left/) });
  expect(storageError(new Error('Binder Error: column x not found'))).toBeUndefined();
  expect(storageError(new DataError('No space left on device'))).toBeUndefined();
  expect(storageError('ENOSPC')).toBeUndefined();
  // The error it tells in words stays attached as its cause.
  expect(storageError(full)!.cause).toBe(full);
});

test('a wrapping error keeps its cause; a programming error is told apart from a data error', () => {
  const io = new Error('EACCES');
  expect(new DataError('could not', { cause: io }).cause).toBe(io);
  expect(new UsageError('bad', ['a'], { cause: io }).cause).toBe(io);
  expect(new InputError('unreadable', { cause: io }).cause).toBe(io);
  expect([new TypeError('x'), new ReferenceError('y'), new RangeError('z')].map(isProgrammingError)).toEqual([true, true, true]);
  expect([new DataError('x'), new Error('Binder Error'), 'text'].map(isProgrammingError)).toEqual([false, false, false]);
});

test('every error of the file system is told in words: a folder where a file was expected, and codes without words of their own', () => {
  const folder = Object.assign(new Error('EISDIR: illegal operation on a directory, open'), { code: 'EISDIR', syscall: 'open', path: '/data/out' });
  expect(storageError(folder)).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^cannot use \/data\/out: it is a folder, where a file was expected \(EISDIR\)/) });
  const odd = Object.assign(new Error('ESTALE: stale file handle, write'), { code: 'ESTALE', syscall: 'write', path: '/nfs/f.duckdb' });
  expect(storageError(odd)).toMatchObject({ exitCode: 1, message: 'cannot write /nfs/f.duckdb: the system refused it (ESTALE); check the path and the disk, and run again. The previous publication is intact.' });
  expect(outputError(folder, '--out', '/data/out')?.message).toBe('cannot write --out /data/out is a folder: give --out a file name (such as /data/out/list.csv) (EISDIR)');
  expect(outputError(odd, '--out', '/nfs/x.csv')).toMatchObject({ exitCode: 1, message: 'cannot write --out /nfs/x.csv: the system refused it (ESTALE)' });
  expect(outputError(new Error('no code'), '--out', 'x')).toBeUndefined();
  // DuckDB's COPY to a folder (fidelio features --out): its words, mapped.
  const copy = new Error('IO Error: Cannot open file "/data/f.csv": Is a directory');
  expect(storageError(copy)).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^cannot use \/data\/f\.csv: it is a folder, where a file was expected \(EISDIR\)/) });
});
