import type { Command } from "commander";
import path from "node:path";
import type { RunState } from "../cli.js";
import { writeLine, type Context } from "../core/context.js";
import { TARGETS } from "../core/manifest.js";

/** Options of `add-target` as commander parses them. */
export interface AddTargetFlags {
  cwd?: string;
  dryRun?: boolean;
  allowDirty?: boolean;
}

/**
 * Registers `add-target <target...>` (issue 9): adds deployment targets to an existing
 * monorepo: writes each target's files for every server (Dockerfile + .dockerignore, k8s.yaml,
 * .mcpbignore), adds them to `targets:` in mcp-monorepo.yaml and a column each to the README
 * Deployment table, all or nothing. Refuses (naming it) a file that already exists, and files
 * with uncommitted changes unless `--allow-dirty`; `--dry-run` prints the plan only.
 * Heavy modules are imported inside the action (issue 10: lazy start-up).
 */
export function registerAddTarget(program: Command, ctx: Context, _state: RunState): void {
  program
    .command("add-target")
    .description(`add deployment targets (${TARGETS.filter((t) => t !== "fastmcp-cloud").join(", ")}) to every server: their files, the manifest's targets and the README table`)
    .argument("<target...>", `one or more of ${TARGETS.join(", ")}`)
    .option("--cwd <dir>", "run as if started in <dir> (any folder inside the monorepo)")
    .option("--dry-run", "print the files that would be created and updated; write nothing")
    .option("--allow-dirty", "write even if files add-target modifies have uncommitted git changes")
    .addHelpText("after", `\nExamples:\n  npx create-mcp-monorepo add-target docker\n  npx create-mcp-monorepo add-target docker k8s --dry-run`)
    .action(async (targets: string[], flags: AddTargetFlags) => {
      const { addTarget } = await import("../add-target/add-target.js");
      const { formatPlan } = await import("../core/plan.js");
      const { TARGET_SPECS } = await import("../targets/index.js");
      const start = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
      const result = await addTarget({ cwd: start, targets }, { dryRun: flags.dryRun, allowDirty: flags.allowDirty });
      const rel = path.relative(ctx.cwd, result.root);
      const prefix = rel === "" ? "" : `${rel.split(path.sep).join("/")}/`;
      const color = Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.NO_COLOR;
      const active = result.changes.filter((c) => c.kind !== "unchanged");
      const created = active.filter((c) => c.kind === "create").length;
      const updated = active.filter((c) => c.kind === "update").length;
      const names = [...result.added, ...result.alreadyListed].join(", ");
      if (result.dryRun) writeLine(ctx.stdout, `Dry run: add-target ${names} would create ${created} files and update ${updated} (nothing written)`);
      for (const line of formatPlan(result.changes, { prefix, color })) writeLine(ctx.stdout, line);
      if (!result.dryRun) {
        const what = result.added.length > 0 ? `Added target${result.added.length > 1 ? "s" : ""} ${result.added.join(", ")}` : `Wrote the missing files of ${names}`;
        writeLine(ctx.stdout, `${what}: created ${created} files, updated ${updated}.`);
      }
      for (const w of result.warnings) writeLine(ctx.stderr, `note: ${w}`);
      if (result.readmeAppended) writeLine(ctx.stderr, "note: README.md had no Deployment table markers, so a fresh marked table was appended at its end");
      if (result.dirty && result.dirty.length > 0) {
        writeLine(ctx.stderr, result.dryRun ? `note: uncommitted changes in ${result.dirty.join(", ")}: a real run refuses unless you commit them or pass --allow-dirty` : `note: --allow-dirty: wrote over uncommitted changes in ${result.dirty.join(", ")}`);
      }
      if (result.dryRun || result.manifest.servers.length === 0) return;
      const first = result.manifest.servers[0]!;
      writeLine(ctx.stdout, "\nDeploy (see the Deployment table in README.md for every server):");
      for (const t of [...result.added, ...result.alreadyListed]) writeLine(ctx.stdout, `  ${TARGET_SPECS[t].label}: ${TARGET_SPECS[t].command(first)}`);
    });
}
