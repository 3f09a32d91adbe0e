/**
 * The few error classes fidelio raises on purpose. Each carries the process
 * exit code the CLI maps it to (the README's exit codes: 1 data/model failure, 2 bad
 * usage, configuration or unreadable input) and a message that says what was
 * expected, what was found, and where.
 */
export class FidelioError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: 1 | 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A mistake in fidelio's own code (a TypeError, a ReferenceError...), not in
 * the data or the place: it goes up as it is, with its stack, never dressed
 * as a data error.
 */
export function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError || err instanceof EvalError;
}

/** Bad command-line usage or configuration; `problems` lists every one found. */
export class UsageError extends FidelioError {
  constructor(
    message: string,
    readonly problems: string[] = [],
    options?: ErrorOptions,
  ) {
    super(problems.length ? `${message}\n  - ${problems.join('\n  - ')}` : message, 'E_USAGE', 2, options);
  }
}

/** An input that cannot be read as the contract's input: missing file, no header, a required column absent. */
export class InputError extends FidelioError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'E_INPUT', 2, options);
  }
}

/** The data or a model failed: the message names the stage and what to do. */
export class DataError extends FidelioError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'E_DATA', 1, options);
  }
}

/** A run stopped by a signal (SIGINT, SIGTERM): recorded as interrupted, its locks released, the previous publication intact. */
export class InterruptedError extends FidelioError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'E_INTERRUPTED', 1, options);
  }
}

/** A file system that refused a write or a read: a full disk, a read-only mount, a missing or forbidden folder. */
export class StorageError extends FidelioError {
  constructor(message: string, exitCode: 1 | 2, options?: ErrorOptions) {
    super(message, 'E_STORAGE', exitCode, options);
  }
}

const FS_REASONS: Record<string, [string, 1 | 2]> = {
  ENOSPC: ['no space left on the device', 1],
  EDQUOT: ['the disk quota is exhausted', 1],
  EROFS: ['the file system is read-only', 2],
  EACCES: ['permission denied', 2],
  EPERM: ['operation not permitted', 2],
  ENOENT: ['no such file or folder (a folder on the way may be missing)', 2],
  ENOTDIR: ['a part of the path is a file, not a folder', 2],
  EISDIR: ['it is a folder, where a file was expected', 2],
  EEXIST: ['something of that name is already there', 2],
  ENAMETOOLONG: ['the name is too long for the file system', 2],
  ELOOP: ['the path has too many symbolic links (a loop?)', 2],
  EMFILE: ['too many files are open', 1],
  ENFILE: ['too many files are open on the system', 1],
  EBUSY: ['the file or device is busy', 1],
  EIO: ['the device reported an input/output error', 1],
  EFBIG: ['the file is too large for the file system', 1],
};

/** What the system call of an fs error was doing, in words. */
const SYSCALLS: Record<string, string> = {
  open: 'open', write: 'write', mkdir: 'create the folder', rename: 'rename', unlink: 'remove', rmdir: 'remove the folder', symlink: 'link', scandir: 'list',
};

/**
 * A command's output file (--out FILE of list, rejected, inspect) that
 * could not be written, in words, with the fix: a folder given for a file,
 * a folder that does not exist, a place this user cannot write, a full disk.
 */
export function outputError(err: unknown, option: string, path: string): StorageError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!(err instanceof Error) || typeof code !== 'string') return undefined;
  const said: Record<string, [string, 1 | 2]> = {
    EISDIR: [`${path} is a folder: give ${option} a file name (such as ${path.replace(/\/+$/, '')}/list.csv)`, 2],
    ENOENT: [`the folder of ${path} does not exist: create it first, or give ${option} a path in a folder that does`, 2],
    ENOTDIR: [`a part of ${path} is a file, not a folder: give ${option} a path whose folders exist`, 2],
  };
  if (said[code]) return new StorageError(`cannot write ${option} ${said[code]![0]} (${code})`, said[code]![1], { cause: err });
  const known = FS_REASONS[code];
  if (known) return new StorageError(`cannot write ${option} ${path}: ${known[0]} (${code})${known[1] === 1 ? '; free space or close files and run again' : `; give ${option} a path this user can write`}`, known[1], { cause: err });
  return new StorageError(`cannot write ${option} ${path}: the system refused it (${code})`, 1, { cause: err });
}

/** DuckDB's words for the same conditions (its errors carry no errno). */
const DUCKDB_REASONS: [RegExp, string][] = [
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  [/Read-only file system/i, 'EROFS'],
  [/Permission denied/i, 'EACCES'],
  [/Is a directory/i, 'EISDIR'],
];

/**
 * The storage error behind `err`, if it is one, said in words with what to
 * do: a full disk is a bad day (exit 1: free space and run again), a
 * read-only or forbidden place a wrong --db or --out (exit 2). Either way
 * the previous publication is whole: it is replaced only by a complete one.
 */
export function storageError(err: unknown): StorageError | undefined {
  if (!(err instanceof Error) || err instanceof FidelioError) return undefined;
  const e = err as NodeJS.ErrnoException;
  let code = typeof e.code === 'string' && e.code in FS_REASONS ? e.code : undefined;
  let path = e.path;
  if (!code) {
    code = DUCKDB_REASONS.find(([re]) => re.test(err.message))?.[1];
    path = /"([^"]+)"/.exec(err.message)?.[1];
  }
  if (!code) {
    // Any other error of the file system, still in words: what was being done, where, and its code.
    if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code) || typeof e.syscall !== 'string') return undefined;
    const doing = SYSCALLS[e.syscall] ?? e.syscall;
    return new StorageError(`cannot ${doing}${e.path ? ` ${e.path}` : ''}: the system refused it (${e.code}); check the path and the disk, and run again. The previous publication is intact.`, 1, { cause: err });
  }
  const [reason, exitCode] = FS_REASONS[code]!;
  const where = path ? ` ${path}` : '';
  const todo = exitCode === 1
    ? 'free space there (or point --db and --out at a larger disk) and run again'
    : 'check the path, or point --db and --out at folders this user can write';
  return new StorageError(`cannot ${exitCode === 1 ? 'write' : 'use'}${where}: ${reason} (${code}); ${todo}. The previous publication is intact.`, exitCode, { cause: err });
}
