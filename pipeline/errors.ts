/**
 * The few error classes fidelio raises on purpose. Each carries the process
 * exit code the CLI maps it to (see CONTRACT: 1 data/model failure, 2 bad
 * usage, configuration or unreadable input) and a message that says what was
 * expected, what was found, and where.
 */
export class FidelioError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command-line usage or configuration; `problems` lists every one found. */
export class UsageError extends FidelioError {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}\n  - ${problems.join('\n  - ')}` : message, 'E_USAGE', 2);
  }
}

/** An input that cannot be read as the contract's input: missing file, no header, a required column absent. */
export class InputError extends FidelioError {
  constructor(message: string) {
    super(message, 'E_INPUT', 2);
  }
}

/** The data or a model failed: the message names the stage and what to do. */
export class DataError extends FidelioError {
  constructor(message: string) {
    super(message, 'E_DATA', 1);
  }
}
