import type { Readable, Writable } from "node:stream";
import { isatty } from "node:tty";

/**
 * Everything a command reads from or writes to the outside world, injected so
 * tests can drive it (as clack's `input`/`output` options and create-astro's mockPrompt do).
 */
export interface Context {
  /** Absolute working directory the command resolves relative paths against. */
  cwd: string;
  /** Where normal output goes (human text or `--json`). */
  stdout: Writable;
  /** Where warnings and errors go. */
  stderr: Writable;
  /** Prompt input stream (a TTY in real use; a PassThrough in tests). */
  stdin: Readable;
  /** True when prompts may be shown (stdin is a TTY and not in CI), unless a test forces it. */
  interactive: boolean;
  /** Environment variables (process.env in real use). */
  env: NodeJS.ProcessEnv;
  /** Current time; injected so output that mentions time is testable. */
  now: () => Date;
}

/**
 * Builds the real process context. `process.stdin` is created on first use only (opening it
 * costs start-up time `--help` does not need); `interactive` asks the terminal about fd 0.
 */
export function processContext(): Context {
  return {
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin(): Readable {
      return process.stdin;
    },
    interactive: isatty(0) && !process.env.CI,
    env: process.env,
    now: () => new Date(),
  };
}

/** Writes one line (adds the newline) to a stream. */
export function writeLine(stream: Writable, line = ""): void {
  stream.write(line + "\n");
}

/**
 * Whether a command colours what it prints on `ctx.stdout`: only on a terminal, never with
 * `--json`, and never when `NO_COLOR` is set (https://no-color.org); `FORCE_COLOR` (non-empty,
 * not `0`) forces it, as picocolors does.
 */
export function useColor(ctx: Context, opts: { json?: boolean } = {}): boolean {
  if (opts.json) return false;
  if (ctx.env.NO_COLOR) return false;
  if (ctx.env.FORCE_COLOR && ctx.env.FORCE_COLOR !== "0") return true;
  return Boolean((ctx.stdout as { isTTY?: boolean }).isTTY);
}
