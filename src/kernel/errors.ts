/**
 * Errors the user can act on; the class decides the process exit code.
 *
 * Exit codes, the same in every command:
 * - 0: done (or nothing to do);
 * - 1 ({@link UserError}): the command ran and the answer is no: findings, out of date,
 *   conflicts, or a refusal of the input (bad name, folder not empty, uncommitted changes);
 *   nothing was written;
 * - 2 ({@link CannotRunError}): it could not run on this folder: no or broken
 *   `mcp-monorepo.yaml` or lock, an unknown `--server`, no usable Python;
 * - 130 ({@link CancelledError}): cancelled at a prompt or with Ctrl-C.
 *
 * The CLI prints the message as one line and exits with {@link UserError.exitCode}; it never
 * prints a stack trace. Any other error is a bug: the CLI prints "unexpected error, please
 * report" and shows the stack only under `--debug`.
 */
export class UserError extends Error {
  /** Process exit code the CLI uses for this error (1; a subclass sets its own). */
  readonly exitCode: number = 1;
  /** Lines printed after the `error:` line, e.g. a code frame of the YAML at fault (may be empty). */
  readonly detail: readonly string[];

  /**
   * @param message - one line, no trailing period needed; shown verbatim.
   * @param detail - extra lines shown under the message (a code frame); default none.
   */
  constructor(message: string, detail: readonly string[] = []) {
    super(message);
    this.name = "UserError";
    this.detail = detail;
  }
}

/** "Could not run" (exit 2): no or broken manifest or lock, an unknown `--server`, no usable Python, a bad option value. */
export class CannotRunError extends UserError {
  override readonly exitCode: number = 2;

  constructor(message: string, detail: readonly string[] = []) {
    super(message, detail);
    this.name = "CannotRunError";
  }
}

/** Thrown when the user cancels a prompt (Ctrl-C / Esc) or a running child process (Ctrl-C). Nothing has been written when it is thrown. */
export class CancelledError extends UserError {
  override readonly exitCode: number = 130;

  constructor(message = "Cancelled, nothing was written.") {
    super(message);
    this.name = "CancelledError";
  }
}

/** Throws a {@link CancelledError} once `signal` was aborted (Ctrl-C); a no-op without one. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Type guard for {@link UserError} (including {@link CancelledError}). */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}

/**
 * Makes a message safe to print as ONE terminal line: control characters (newlines, escape
 * sequences, NUL), line and paragraph separators and bidi overrides/isolates that user input
 * may carry are shown as `\n`, `\u202e`, ... escapes, so an error line can neither be split
 * nor visually reordered by the text it quotes.
 *
 * @param message - any text.
 * @returns the same text with those characters escaped (nothing else changes).
 */
export function oneLineMessage(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

const FS_ERRORS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  EMFILE: "too many open files",
  EBUSY: "resource busy",
};

/**
 * Turns a file-system error the user can fix (permissions, a symlink loop, a full disk, a name
 * too long, a file where a folder belongs) into a one-line {@link UserError} naming the path,
 * e.g. `cannot read shared/config.py: permission denied (EACCES)`. Commands read everything
 * before they write and roll back a failed write, so such an error leaves the tree as it was.
 *
 * @param err - anything thrown.
 * @param cwd - paths are shown relative to it when inside it.
 * @param Kind - the error class, which decides the exit code: {@link UserError} (1, default) or
 *   {@link CannotRunError} (2, what `check` uses: it could not read what it checks).
 * @returns the error, or null when `err` is not such a file-system error.
 */
export function fsUserError(err: unknown, cwd: string, Kind: new (message: string) => UserError = UserError): UserError | null {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e !== "object" || typeof e.code !== "string" || !(e.code in FS_ERRORS)) return null;
  const file = typeof e.path === "string" ? e.path : null;
  const shown = file ? (file.startsWith(cwd + "/") ? file.slice(cwd.length + 1) : file) : "a file";
  const verb = e.syscall && /^(open|read|scandir|stat|lstat|readlink|access)$/.test(e.syscall) ? "cannot read" : "cannot write";
  return new Kind(`${verb} ${shown}: ${FS_ERRORS[e.code]} (${e.code})`);
}
