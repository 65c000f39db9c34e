import * as p from "@clack/prompts";
import type { Context } from "../kernel/context.js";
import { CancelledError } from "../kernel/errors.js";

/**
 * Unwraps a @clack/prompts answer. On Ctrl-C / Esc (clack's cancel symbol) it
 * prints clack's cancel message on `ctx.stdout` and throws.
 *
 * @throws CancelledError when the prompt was cancelled (nothing has been written yet).
 */
export function answered<T>(value: T | symbol, ctx: Context): Exclude<T, symbol> {
  if (p.isCancel(value)) {
    p.cancel("Cancelled, nothing was written.", { output: ctx.stdout });
    throw new CancelledError();
  }
  return value as Exclude<T, symbol>;
}
