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
  /** Process exit code the CLI uses for this error: 1 (refused), or {@link EXIT_CANNOT_RUN}. */
  readonly exitCode: number;
  /** Lines printed after the `error:` line, e.g. a code frame of the YAML at fault (may be empty). */
  readonly detail: readonly string[];

  /**
   * @param message - one line, no trailing period needed; shown verbatim.
   * @param exitCode - process exit code, default 1.
   * @param detail - extra lines shown under the message (a code frame); default none.
   */
  constructor(message: string, exitCode = 1, detail: readonly string[] = []) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
    this.detail = detail;
  }
}

/**
 * Exit codes, the same in every command:
 * - 0: done (or nothing to do);
 * - 1: the command ran and the answer is no: findings, out of date, conflicts, or a refusal
 *   of the input (bad name, folder not empty, uncommitted changes); nothing was written;
 * - 2 ({@link EXIT_CANNOT_RUN}): it could not run on this folder: no or broken
 *   `mcp-monorepo.yaml` or lock, an unknown `--server`, no usable Python;
 * - 130: cancelled at a prompt.
 */
export const EXIT_CANNOT_RUN = 2;

/** A {@link UserError} with exit code {@link EXIT_CANNOT_RUN} ("could not run"). */
export function cannotRun(message: string, detail: readonly string[] = []): UserError {
  return new UserError(message, EXIT_CANNOT_RUN, detail);
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
