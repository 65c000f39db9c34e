import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import type { AffectedCliOptions } from "./affected-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./affected-action.ts, imported when the command runs.

/**
 * Registers `affected --base SHA`: the servers a change touches (its folder; every server for
 * shared/, the manifest, the lock or the CI workflow), what the generated CI runs jobs for.
 */
export function registerAffected(program: Command, ctx: Context, state: RunState): void {
  program
    .command("affected")
    .description("list the servers changed since a commit (their folder, or every server for shared/ or the manifest)")
    .option("--base <commit>", "the commit to compare with (a pull request's base, a push's previous commit)")
    .option("--head <commit>", "the commit compared (default HEAD)")
    .option("--all", "every server (scheduled and manual CI runs)")
    .option("--json", "print {all, reason, servers, folders, changed} as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .addHelpText(
      "after",
      "\nCompares with git diff BASE...HEAD. Every server is listed when shared/, mcp-monorepo.yaml, the lock or\n" +
        ".github/workflows/ci.yml changed, with --all, or when BASE is not in the clone (fetch the full history).\n" +
        "Prints one server folder a line (none: nothing to test).\n\n" +
        "Examples:\n  npx create-mcp-monorepo affected --base origin/main\n  npx create-mcp-monorepo affected --base \"$BEFORE\" --json",
    )
    .action(async (opts: AffectedCliOptions) => {
      const { affectedAction } = await import("./affected-action.js");
      state.exitCode = await affectedAction(ctx, { options: opts });
    });
}
