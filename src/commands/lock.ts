import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { LockCliOptions } from "./lock-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./lock-action.ts, imported when the command runs.

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Registers `lock [NAME...]`: re-locks each server's uv.lock from its pyproject.toml with the
 * Python its deployment target runs (uv lock), and exports requirements.txt from it (uv export).
 * Exit code: 0 done or current; 1 a lock failed or (`--check`) is stale.
 */
export function registerLock(program: Command, ctx: Context, state: RunState): void {
  program
    .command("lock")
    .description("re-lock every server's uv.lock with its target's Python and export requirements.txt from it")
    .argument("[names...]", "servers to lock (default: all)")
    .option("--upgrade", "allow newer versions of every dependency (uv lock --upgrade)")
    .option("--upgrade-package <pkg>", "allow a newer version of this package only (repeatable)", collect)
    .option("--check", "write nothing; exit 1 if any uv.lock or requirements.txt is stale (for CI and pre-commit)")
    .option("--dry-run", "say what would change; write nothing")
    .option("--json", "print the result as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--interpreter <path>", "Python to lock with instead of the target's (default: the target's version, found by PATH or pyenv)")
    .addHelpText(
      "after",
      [
        "",
        "Adding a dependency: `uv add NAME` in the server's folder, then `npx create-mcp-monorepo lock`.",
        "requirements.txt (what FastMCP Cloud, the Dockerfile and bundle install) is exported from",
        "uv.lock with exact pins and no dev group; never edit it by hand.",
        "",
        "Exit codes: 0 locked or current; 1 a lock failed, or --check found one stale; 2 could not run",
        "(no uv, no Python of the target's version, unknown server).",
        "",
        "Examples:",
        "  mcp-monorepo lock",
        "  mcp-monorepo lock ops --upgrade-package httpx",
        "  mcp-monorepo lock --check      what CI and pre-commit run",
      ].join("\n"),
    )
    .action(async (names: string[], options: LockCliOptions) => {
      const { lockAction } = await import("./lock-action.js");
      state.exitCode = await lockAction(ctx, { names, options });
    });
}
