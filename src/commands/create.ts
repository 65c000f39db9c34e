import type { Command } from "commander";
import type { RunState } from "../cli.js";
import type { Context } from "../core/context.js";
import { UserError } from "../core/errors.js";

/** Placeholder until create lands. */
export function registerCreate(program: Command, _ctx: Context, _state: RunState): void {
  program.argument("[dir]").action(() => {
    throw new UserError("create is not built yet");
  });
}
