import path from "node:path";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { formatPlan } from "../monorepo/changes.js";
import { removeTarget } from "../remove-target/index.js";

// The body of `remove-target`, loaded by src/commands/remove-target.ts only when it runs.

/** Options of `remove-target` as commander parses them. */
export interface RemoveTargetFlags {
  force?: boolean;
  cwd?: string;
  dryRun?: boolean;
  allowDirty?: boolean;
  json?: boolean;
}

/** The `remove-target` command body: runs the core, prints DELETE/UPDATE/KEPT lines or JSON. */
export const removeTargetAction: CommandAction<{ targets: string[]; options: RemoveTargetFlags }> = async (ctx, { targets, options: flags }) => {
  const cwd = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const r = await removeTarget({ cwd, targets, force: flags.force, dryRun: flags.dryRun, allowDirty: flags.allowDirty });
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify({
      ok: true,
      dryRun: r.dryRun,
      root: path.relative(ctx.cwd, r.root) || ".",
      removed: r.removed,
      notListed: r.notListed,
      targets: r.manifest.targets,
      changes: r.changes.filter((c) => c.kind !== "unchanged").map((c) => ({ path: c.path, kind: c.kind })),
      kept: r.kept,
      warnings: r.warnings,
      dirty: r.dirty,
      ...(r.upToDate ? { upToDate: r.upToDate } : {}),
    }, null, 2));
    return 0;
  }
  if (r.upToDate) {
    for (const k of r.kept) writeLine(ctx.stdout, `KEPT      ${k.path}  (${k.reason}; --force deletes it)`);
    for (const w of r.warnings) writeLine(ctx.stderr, `note: ${w}`);
    writeLine(ctx.stdout, `${r.upToDate} (nothing was written).`);
    return 0;
  }
  const what = [...r.removed, ...r.notListed].join(", ");
  writeLine(ctx.stdout, r.dryRun ? `Dry run: remove-target ${what} would change (nothing written):` : `Removed target${r.removed.length === 1 ? "" : "s"} ${what}:`);
  for (const line of formatPlan(r.changes, { color: useColor(ctx) })) writeLine(ctx.stdout, line);
  for (const k of r.kept) writeLine(ctx.stdout, `KEPT      ${k.path}  (${k.reason}; --force deletes it)`);
  for (const w of r.warnings) writeLine(ctx.stderr, `note: ${w}`);
  if (r.dirty && r.dirty.length > 0 && !r.dryRun) writeLine(ctx.stderr, `note: --allow-dirty: changed files with uncommitted changes: ${r.dirty.join(", ")}`);
  return 0;
};
