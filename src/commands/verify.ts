import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { VerifyCliOptions } from "./verify-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./verify-action.ts, imported when the command runs (it bundles the MCP TypeScript SDK).

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Registers `verify`: proves each server loads and serves the way the platform runs
 * it (fresh venv from its requirements alone, import test, `fastmcp inspect`, `fastmcp run` over
 * streamable HTTP with MCP initialize + tools/list), or checks a deployed URL (`--url`).
 * Exit codes: 0 every server passed, 1 a server failed, 2 could not run.
 */
export function registerVerify(program: Command, ctx: Context, state: RunState): void {
  program
    .command("verify")
    .description("prove each server installs, imports and serves over MCP as the platform runs it (or check a deployed URL)")
    .option("-s, --server <name>", "verify only this server (repeatable)", collect)
    .option("--env-file <file>", "environment values for the servers (override .env.example's)")
    .option("--dotenv <file>", "same as --env-file (Node.js itself exits with code 9 when a file after --env-file is missing)")
    .option("-j, --jobs <n>", "servers verified at once (default: the number of CPUs)")
    .option("--json", "print the verdicts as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--interpreter <path>", "Python 3.10+ that creates the venvs (default: $MCPM_PYTHON, else python3/python on PATH)")
    .option("--url <url>", "check a deployed endpoint (e.g. https://my-server.fastmcp.app/mcp); with --server, its tools must equal the local server's")
    .option("--tool <name>", "with --url: the tool to call (default: the first one whose arguments are all optional)")
    .option("--args <json>", "with --url: arguments of that call, as a JSON object")
    .option("--header <header>", "with --url: an HTTP header, \"Name: value\" (repeatable)", collect)
    .option("--start-timeout <seconds>", "seconds to wait for a server to answer MCP initialize (default 90)")
    .addHelpText(
      "after",
      "\nVenvs are cached by requirements hash under the user cache folder (mcp-monorepo/verify/venvs; $MCPM_CACHE_DIR overrides).\n" +
        "Exit codes: 0 every server passed, 1 a server failed, 2 could not run.\n\n" +
        "Examples:\n  npx create-mcp-monorepo verify --jobs 2\n  npx create-mcp-monorepo verify --server ops --env-file .env\n  npx create-mcp-monorepo verify --url https://my-ops.fastmcp.app/mcp --server ops",
    )
    .action(async (_opts: VerifyCliOptions, cmd: Command) => {
      const { verifyAction } = await import("./verify-action.js");
      state.exitCode = await verifyAction(ctx, { options: cmd.optsWithGlobals() as VerifyCliOptions });
    });
}
