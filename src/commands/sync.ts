import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { SyncCliOptions } from "./sync-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./sync-action.ts, imported when the command runs.

/**
 * Registers `sync`: copies canonical `shared/` into every server's
 * `src/shared/`, merges `shared/requirements.txt` into each server's managed
 * block, and records what it wrote in `mcp-monorepo.lock.json`.
 *
 * Options: `--server NAME` (repeatable), `--check` (write nothing; exit 1 unless all
 * in sync: what CI and pre-commit run), `--dry-run`, `--force` (overwrite hand edits,
 * printing what is discarded; refused when they are uncommitted in git), `--allow-dirty`, `--json`, `--cwd DIR`.
 * Exit code 1 for conflicts, requirement errors and failed checks.
 */
export function registerSync(program: Command, ctx: Context, state: RunState): void {
  program
    .command("sync")
    .description("copy the canonical shared/ package into every server's src/shared/ and merge shared/requirements.txt")
    .option("-s, --server <name>", "sync only this server (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--check", "write nothing; exit 1 if any server is out of date, has a conflict or unmanaged files (for CI and pre-commit)")
    .option("--dry-run", "print what would change; write nothing")
    .option("--force", "overwrite vendored files edited by hand (prints what it discards; refused over uncommitted git changes)")
    .option("--allow-dirty", "with --force: overwrite even files that have uncommitted git changes")
    .option("--json", "print the result as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .addHelpText(
      "after",
      [
        "",
        "A vendored file edited by hand is a conflict: it is shown as a diff and left alone (exit 1);",
        "move the edit into shared/ and run sync again, or use --force to overwrite it.",
        "State is kept in mcp-monorepo.lock.json: commit it with the vendored copies.",
        "With shared/.env.example, the shared-settings block of every .env.example is kept in step too.",
        "",
        "Exit codes: 0 in sync (or synced); 1 out of date (--check), conflicts, requirements.txt or",
        ".env.example errors; 2 could not run (no or broken mcp-monorepo.yaml or lock, unknown --server).",
        "",
        "Examples:",
        "  npx create-mcp-monorepo sync                 update every server",
        "  npx create-mcp-monorepo sync --check         what CI and pre-commit run (writes nothing)",
        "  npx create-mcp-monorepo sync -s ops --dry-run",
      ].join("\n"),
    )
    .action(async (own: SyncCliOptions, cmd: Command) => {
      // The program uses positional options (src/cli.ts), so flags after `sync` are sync's own;
      // a program-wide --cwd, if one is ever added, is honoured too.
      const parentCwd = cmd.parent?.opts().cwd;
      const { syncAction } = await import("./sync-action.js");
      state.exitCode = await syncAction(ctx, { options: { ...own, cwd: own.cwd ?? (typeof parentCwd === "string" ? parentCwd : undefined) } });
    });
}
