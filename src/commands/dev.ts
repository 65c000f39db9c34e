import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { DevCliOptions } from "./dev-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./dev-action.ts, imported when the command runs.

/**
 * Registers `dev [NAME...]`: every (or the named) server over streamable HTTP with reload, each on
 * its stable port, until Ctrl-C (exit 130); `--gateway` adds one endpoint mounting them all.
 */
export function registerDev(program: Command, ctx: Context, state: RunState): void {
  program
    .command("dev")
    .description("run every server locally over streamable HTTP with reload (Ctrl-C stops them all)")
    .argument("[name...]", "servers to run (default: every server)")
    .option("--gateway", "also serve one endpoint that mounts every server under its name")
    .option("--gateway-port <n>", "the gateway's port (default 7999)")
    .option("--json", "print one JSON line per server when it answers tools/list")
    .option("--client <client>", "write that MCP client's configuration for these URLs: claude (printed), vscode (.vscode/mcp.json), cursor (.cursor/mcp.json)")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--interpreter <path>", "the Python to run on (default: the first target's, e.g. 3.12 for FastMCP Cloud)")
    .addHelpText(
      "after",
      "\nPorts: a server's port: in mcp-monorepo.yaml, else 8000 + its place in servers: (the ports compose.yaml publishes).\n" +
        "Each server reloads when a file under its src/ changes; a change under shared/ is synced into every server first.\n" +
        "Exit codes: 130 stopped with Ctrl-C, 1 a server could not start, 2 could not run.\n\n" +
        "Examples:\n  npx create-mcp-monorepo dev\n  npx create-mcp-monorepo dev ops billing --gateway --client vscode",
    )
    .action(async (names: string[], opts: DevCliOptions) => {
      const { devAction } = await import("./dev-action.js");
      state.exitCode = await devAction(ctx, { names, options: opts });
    });
}
