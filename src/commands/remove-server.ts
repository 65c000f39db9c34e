import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { RemoveServerFlags } from "./remove-server-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./remove-server-action.ts, imported when the command runs.

/**
 * Registers `remove-server <name...>`: deletes each server's folder (or, with `--keep-files`, only
 * unlists it) and takes it out of every file that lists servers: the manifest, the lock, the README
 * Deployment table and the root `.env.example`, all or nothing. A terminal asks first; without one,
 * `--yes` is required.
 */
export function registerRemoveServer(program: Command, ctx: Context, state: RunState): void {
  program
    .command("remove-server")
    .description("remove servers: their folders, manifest entries, lock entries, README rows and root .env.example sections")
    .argument("<name...>", "servers to remove (name, folder or server-<name>)")
    .option("--keep-files", "keep the server folders on disk; only take the servers out of the monorepo's lists")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("-y, --yes", "do not ask before deleting (required without a terminal)")
    .option("--dry-run", "print what would be deleted and updated; change nothing")
    .option("--allow-dirty", "remove even if the server folder or a file remove-server changes has uncommitted git changes")
    .option("--json", "print the result as JSON (no prompt: give --yes or --dry-run)")
    .addHelpText(
      "after",
      `\nExit codes: 0 removed (or declined at the prompt: nothing changed); 1 refused (uncommitted changes, no --yes without a terminal; nothing changed); 2 could not run (no or broken mcp-monorepo.yaml, unknown server).\n\n` +
        `Examples:\n  npx create-mcp-monorepo remove-server billing --dry-run\n  npx create-mcp-monorepo remove-server billing --yes\n  npx create-mcp-monorepo remove-server billing --keep-files --yes`,
    )
    .action(async (names: string[], options: RemoveServerFlags) => {
      const { removeServerAction } = await import("./remove-server-action.js");
      state.exitCode = await removeServerAction(ctx, { names, options });
    });
}
