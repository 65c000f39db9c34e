import type { Command } from "commander";
import type { RunState } from "./types.js";
import type { Context } from "../kernel/context.js";
import { TARGETS } from "../kernel/defaults.js";
import type { AddTargetFlags } from "./add-target-action.js";

// Start-up module (the lazy pattern of src/cli.ts): options and help only; the body is
// ./add-target-action.ts, imported when the command runs.

/**
 * Registers `add-target <target...>`: adds deployment targets to an existing
 * monorepo: writes each target's files for every server (Dockerfile + .dockerignore, k8s.yaml,
 * .mcpbignore), adds them to `targets:` in mcp-monorepo.yaml and a column each to the README
 * Deployment table, all or nothing. Refuses (naming it) a file that already exists, and files
 * with uncommitted changes unless `--allow-dirty`; `--dry-run` prints the plan only; `--json` prints
 * `{ ok, dryRun, root, added[], alreadyListed[], targets[], changes[], warnings[], dirty }`.
 */
export function registerAddTarget(program: Command, ctx: Context, state: RunState): void {
  program
    .command("add-target")
    .description(`add deployment targets (${TARGETS.filter((t) => t !== "fastmcp-cloud").join(", ")}) to every server: their files, the manifest's targets and the README table`)
    .argument("<target...>", `one or more of ${TARGETS.join(", ")}`)
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("--dry-run", "print the files that would be created and updated; write nothing")
    .option("--allow-dirty", "write even if files add-target modifies have uncommitted git changes")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      `\nExit codes: 0 added; 1 refused (a file exists, uncommitted changes, nothing to add; nothing written); 2 could not run (no or broken mcp-monorepo.yaml).\n\n` +
        `Examples:\n  npx create-mcp-monorepo add-target docker\n  npx create-mcp-monorepo add-target docker k8s --dry-run`,
    )
    .action(async (targets: string[], options: AddTargetFlags) => {
      const { addTargetAction } = await import("./add-target-action.js");
      state.exitCode = await addTargetAction(ctx, { targets, options });
    });
}
