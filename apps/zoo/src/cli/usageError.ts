/**
 * A mistake on the command line or in what it points at (unknown suite, missing checkpoint,
 * unreadable image...). The CLI prints `message` and `hint` on one line each, never a stack.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** What to do instead, e.g. `run 'zoo suites' to list them`. */
    readonly hint?: string,
  ) {
    super(message);
  }
}
