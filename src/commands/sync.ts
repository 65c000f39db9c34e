import type { Command } from "commander";
import type { RunState } from "../cli.js";
import type { Context } from "../core/context.js";
import { UserError } from "../core/errors.js";

/** Placeholder until the `sync` command lands. */
export function registerSync(program: Command, _ctx: Context, _state: RunState): void {
  program
    .command("sync")
    .description("(sync: not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("sync is not built yet");
    });
}
