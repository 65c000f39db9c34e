import path from "node:path";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { formatPlan } from "../monorepo/changes.js";
import { removeServer, type RemoveServerResult } from "../remove-server/index.js";
import { confirmDeletion } from "../prompts/confirm.js";

// The body of `remove-server`, loaded by src/commands/remove-server.ts only when it runs.

/** Options of `remove-server` as commander parses them. */
export interface RemoveServerFlags {
  keepFiles?: boolean;
  cwd?: string;
  yes?: boolean;
  dryRun?: boolean;
  allowDirty?: boolean;
  json?: boolean;
}

function planLines(r: RemoveServerResult, color: boolean): string[] {
  return formatPlan(r.changes.map((c) => (c.kind === "delete" && c.dir ? { ...c, path: `${c.path}/` } : c)), { color });
}

/**
 * The `remove-server` command body: plans (a dry run), asks in a terminal unless `--yes` (refuses
 * without one), then removes through the core and prints what went and the references it left.
 */
export const removeServerAction: CommandAction<{ names: string[]; options: RemoveServerFlags }> = async (ctx, { names, options: flags }) => {
  const cwd = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const color = useColor(ctx);
  const base = { cwd, names, keepFiles: flags.keepFiles, allowDirty: flags.allowDirty };
  if (!flags.dryRun && !flags.yes) {
    const plan = await removeServer({ ...base, dryRun: true });
    const what = [`remove-server would remove ${plan.servers.map((s) => s.name).join(", ")}:`, ...planLines(plan, false)];
    if (!(await confirmDeletion({ ...ctx, interactive: ctx.interactive && !flags.json }, what, `remove-server ${flags.keepFiles ? "changes" : "deletes"} files`))) {
      writeLine(ctx.stdout, "Nothing was changed.");
      return 0;
    }
  }
  const r = await removeServer({ ...base, dryRun: flags.dryRun });
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify({
      ok: true,
      dryRun: r.dryRun,
      root: path.relative(ctx.cwd, r.root) || ".",
      removed: r.servers.map((s) => s.name),
      folders: r.folders,
      changes: r.changes.filter((c) => c.kind !== "unchanged").map((c) => ({ path: c.path, kind: c.kind, ...(c.dir ? { folder: true } : {}) })),
      mentions: r.mentions,
      warnings: r.warnings,
      dirty: r.dirty,
    }, null, 2));
    return 0;
  }
  const names2 = r.servers.map((s) => s.name).join(", ");
  writeLine(ctx.stdout, r.dryRun ? `Dry run: remove-server ${names2} would change (nothing written):` : `Removed ${names2}:`);
  for (const line of planLines(r, color)) writeLine(ctx.stdout, line);
  for (const w of r.warnings) writeLine(ctx.stderr, `warning: ${w}`);
  if (r.mentions.length > 0) {
    writeLine(ctx.stderr, "note: still named in files remove-server does not edit (remove these lines yourself):");
    for (const m of r.mentions) writeLine(ctx.stderr, `  ${m.file}:${m.line}: ${m.text}`);
  }
  if (r.dirty && r.dirty.length > 0) {
    writeLine(ctx.stderr, r.dryRun ? `note: uncommitted changes in ${r.dirty.join(", ")}: a real run refuses unless you commit them or pass --allow-dirty` : `note: --allow-dirty: changed files with uncommitted changes: ${r.dirty.join(", ")}`);
  }
  return 0;
};
