import * as p from "@clack/prompts";
import type { Context } from "../kernel/context.js";
import { UserError } from "../kernel/errors.js";
import { answered } from "./answered.js";

/**
 * Asks before a command deletes files: the lines of what will go, then a yes/no (default no).
 * Without a terminal it refuses in one line, so nothing is deleted unless `--yes` was given.
 *
 * @param what - the lines listing what will be deleted or changed.
 * @param action - what the command does, e.g. `remove-server deletes files`.
 * @returns true when the user said yes.
 * @throws UserError without a terminal; CancelledError on Ctrl-C.
 */
export async function confirmDeletion(ctx: Context, what: string[], action: string): Promise<boolean> {
  if (!ctx.interactive) throw new UserError(`${action}: pass --yes to confirm (no terminal to ask), or --dry-run to see what would go (nothing was changed)`);
  const io = { input: ctx.stdin, output: ctx.stdout };
  p.log.message(what.join("\n"), io);
  return answered(await p.confirm({ ...io, message: "Go ahead?", initialValue: false }), ctx);
}
