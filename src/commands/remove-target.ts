import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import { TARGETS } from "../kernel/defaults.js";
import type { RemoveTargetFlags } from "./remove-target-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./remove-target-action.ts, imported when the command runs.

/**
 * Registers `remove-target <target...>`: deletes each server's files of the targets that are
 * still exactly as generated (hand-edited ones are kept and listed as KEPT unless `--force`), and
 * takes the targets out of the manifest's `targets:` and the README Deployment table, all or nothing.
 */
export function registerRemoveTarget(program: Command, ctx: Context, state: RunState): void {
  program
    .command("remove-target")
    .description("remove deployment targets: their unedited files in every server, the manifest's targets and the README columns")
    .argument("<target...>", `one or more of ${TARGETS.join(", ")}`)
    .option("--force", "delete the target's files even when they were edited by hand")
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("--dry-run", "print what would be deleted, kept and updated; change nothing")
    .option("--allow-dirty", "change files even if they have uncommitted git changes")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `\nExit codes: 0 removed, or nothing to remove; 1 refused (uncommitted changes; nothing changed); 2 could not run (an unknown target; no or broken mcp-monorepo.yaml).\n\n` +
        `Examples:\n  npx create-mcp-monorepo remove-target docker --dry-run\n  npx create-mcp-monorepo remove-target docker k8s\n  npx create-mcp-monorepo remove-target mcpb --force`,
    )
    .action(async (targets: string[], options: RemoveTargetFlags) => {
      const { removeTargetAction } = await import("./remove-target-action.js");
      state.exitCode = await removeTargetAction(ctx, { targets, options });
    });
}
