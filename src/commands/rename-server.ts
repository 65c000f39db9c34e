import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { RenameServerFlags } from "./rename-server-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./rename-server-action.ts, imported when the command runs.

/**
 * Registers `rename-server <old> <new>` (alias `rename`): moves the server folder and renames every
 * name derived from the server's name, all or nothing; prints, as file:line, the lines that still
 * name the old server (text it does not own, such as names in the user's own code).
 */
export function registerRenameServer(program: Command, ctx: Context, state: RunState): void {
  program
    .command("rename-server")
    .alias("rename")
    .description("rename a server: its folder, manifest entry, README row, .env.example variables, Dockerfile, k8s objects and SERVER_NAME")
    .argument("<old>", "the server's current name (or folder)")
    .argument("<new>", "new name: lowercase letters, digits and hyphens (folder server-<new>/)")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("--dry-run", "print what would be moved and changed, and the lines left naming the old server; change nothing")
    .option("--allow-dirty", "rename even if files rename-server changes have uncommitted git changes")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `\nA folder tracked by git is staged as moved (what git mv does), so its history follows. A folder you\n` +
        `already renamed by hand (server-<old>/ gone, server-<new>/ there) is renamed in place.\n\n` +
        `Exit codes: 0 renamed; 1 refused (invalid or taken name, uncommitted changes; nothing changed); 2 could not run (no or broken mcp-monorepo.yaml, unknown server).\n\n` +
        `Examples:\n  npx create-mcp-monorepo rename-server billing payments --dry-run\n  npx create-mcp-monorepo rename-server billing payments`,
    )
    .action(async (from: string, to: string, options: RenameServerFlags) => {
      const { renameServerAction } = await import("./rename-server-action.js");
      state.exitCode = await renameServerAction(ctx, { from, to, options });
    });
}
