import type { Command } from "commander";
import type { RunState } from "../cli.js";
import type { Context } from "../core/context.js";
import { UserError } from "../core/errors.js";

/** Placeholder until the `add-server` command lands. */
export function registerAddServer(program: Command, _ctx: Context, _state: RunState): void {
  program
    .command("add-server")
    .description("(add-server: not built yet)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("add-server is not built yet");
    });
}
