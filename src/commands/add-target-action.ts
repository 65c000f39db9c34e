import path from "node:path";
import { addTarget } from "../add-target/add-target.js";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { formatPlan } from "../monorepo/changes.js";
import { TARGET_SPECS } from "../scaffold/targets.js";

// The body of `add-target`, loaded by src/commands/add-target.ts only when it runs.

/** Options of `add-target` as commander parses them. */
export interface AddTargetFlags {
  cwd?: string;
  dryRun?: boolean;
  allowDirty?: boolean;
  json?: boolean;
}

/**
 * The `add-target` command body: runs the core (src/add-target/), prints the result as JSON
 * (`--json`) or the plan, the result, notes (stderr) and each target's deploy command for the
 * first server.
 *
 * @throws UserError from the core: unknown target, a file that already exists, uncommitted changes.
 */
export const addTargetAction: CommandAction<{ targets: string[]; options: AddTargetFlags }> = async (ctx, { targets, options: flags }) => {
  const start = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const result = await addTarget({ cwd: start, targets }, { dryRun: flags.dryRun, allowDirty: flags.allowDirty });
  const rel = path.relative(ctx.cwd, result.root);
  const prefix = rel === "" ? "" : `${rel.split(path.sep).join("/")}/`;
  if (flags.json) {
    const json = {
      ok: true,
      dryRun: result.dryRun,
      root: path.relative(ctx.cwd, result.root) || ".",
      added: result.added,
      alreadyListed: result.alreadyListed,
      targets: result.manifest.targets,
      changes: result.changes.filter((ch) => ch.kind !== "unchanged").map((ch) => ({ path: ch.path, kind: ch.kind })),
      warnings: result.warnings,
      dirty: result.dirty,
      ...(result.upToDate ? { upToDate: result.upToDate } : {}),
    };
    writeLine(ctx.stdout, JSON.stringify(json, null, 2));
    return 0;
  }
  if (result.upToDate) {
    for (const w of result.warnings) writeLine(ctx.stderr, `warning: ${w}`);
    writeLine(ctx.stdout, `${result.upToDate} (nothing was written).`);
    return 0;
  }
  const color = useColor(ctx);
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
  if (result.dryRun || result.manifest.servers.length === 0) return 0;
  const first = result.manifest.servers[0]!;
  writeLine(ctx.stdout, "\nDeploy (see the Deployment table in README.md for every server):");
  for (const t of [...result.added, ...result.alreadyListed]) writeLine(ctx.stdout, `  ${TARGET_SPECS[t].label}: ${TARGET_SPECS[t].command(first)}`);
  return 0;
};
