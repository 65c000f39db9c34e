import type { Command } from "commander";
import type { RunState } from "../cli.js";
import type { Context } from "../core/context.js";
import { UserError } from "../core/errors.js";

/** Placeholder until the `check` command lands. */
export function registerCheck(program: Command, _ctx: Context, _state: RunState): void {
  program
    .command("check")
    .description("(check: not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("check is not built yet");
    });
}
