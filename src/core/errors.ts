/**
 * The one error type users can act on.
 *
 * A `UserError` is something the user can fix (bad input, a refused
 * overwrite, a missing manifest). The CLI prints its message as one line
 * and exits with {@link UserError.exitCode}; it never prints a stack trace.
 * Any other error is a bug: the CLI prints "unexpected error, please report"
 * and shows the stack only under `--debug`.
 */
export class UserError extends Error {
  /** Process exit code the CLI uses for this error (1 unless a command says otherwise, e.g. `check` uses 2 for "could not run"). */
  readonly exitCode: number;

  /**
   * @param message - one line, no trailing period needed; shown verbatim.
   * @param exitCode - process exit code, default 1.
   */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/** Thrown when the user cancels a prompt (Ctrl-C / Esc). Nothing has been written when it is thrown. */
export class CancelledError extends UserError {
  constructor(message = "Cancelled, nothing was written.") {
    super(message, 130);
    this.name = "CancelledError";
  }
}

/** Type guard for {@link UserError} (including {@link CancelledError}). */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
