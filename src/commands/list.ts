import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { ListFlags } from "./list-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./list-action.ts, imported when the command runs.

/**
 * Registers `list` (alias `ls`): every server of the monorepo with its folder, entrypoint,
 * targets, Python, tools (read from the code; `--inspect` asks FastMCP) and whether `sync` would
 * change it. Reads only.
 */
export function registerList(program: Command, ctx: Context, state: RunState): void {
  program
    .command("list")
    .alias("ls")
    .description("list the servers: folder, entrypoint, targets, Python, tools and whether each is in sync")
    .option("--inspect", "ask FastMCP for the tools (fastmcp inspect in each server's own environment; slower)")
    .option("--interpreter <python>", "with --inspect: the Python that builds the environments")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `\nExit codes: 0 listed; 2 could not run (no or broken mcp-monorepo.yaml).\n\nExamples:\n  npx create-mcp-monorepo list\n  npx create-mcp-monorepo list --json --inspect`,
    )
    .action(async (options: ListFlags) => {
      const { listAction } = await import("./list-action.js");
      state.exitCode = await listAction(ctx, { options });
    });
}
