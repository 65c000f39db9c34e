import path from "node:path";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { formatPlan } from "../monorepo/changes.js";
import { renameServer } from "../rename-server/index.js";

// The body of `rename-server`, loaded by src/commands/rename-server.ts only when it runs.

/** Options of `rename-server` as commander parses them. */
export interface RenameServerFlags {
  cwd?: string;
  dryRun?: boolean;
  allowDirty?: boolean;
  json?: boolean;
}

/** The `rename-server` command body: runs the core, prints the plan or JSON and the lines left naming the old server. */
export const renameServerAction: CommandAction<{ from: string; to: string; options: RenameServerFlags }> = async (ctx, { from, to, options: flags }) => {
  const cwd = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const r = await renameServer({ cwd, from, to, dryRun: flags.dryRun, allowDirty: flags.allowDirty });
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify({
      ok: true,
      dryRun: r.dryRun,
      root: path.relative(ctx.cwd, r.root) || ".",
      from: r.from,
      to: r.to,
      moved: r.moved,
      staged: r.staged,
      changes: r.changes.filter((c) => c.kind !== "unchanged").map((c) => ({ path: c.path, kind: c.kind, ...(c.dir ? { folder: true } : {}) })),
      notRenamed: r.leftovers,
      dropped: r.dropped,
      warnings: r.warnings,
      dirty: r.dirty,
    }, null, 2));
    return 0;
  }
  const color = useColor(ctx);
  const head = r.moved ? `${r.from.folder}/ → ${r.to.folder}/` : `${r.to.folder}/ (in place)`;
  writeLine(ctx.stdout, r.dryRun ? `Dry run: rename-server ${r.from.name} → ${r.to.name}, ${head} (nothing written):` : `Renamed ${r.from.name} → ${r.to.name}, ${head}:`);
  const moves = r.changes.filter((c) => r.moved && c.kind === "create" && c.path.startsWith(`${r.to.folder}/`)).length;
  if (moves > 0) writeLine(ctx.stdout, `MOVE      ${r.from.folder}/ → ${r.to.folder}/ (${moves} files)`);
  const rest = r.changes.filter((c) => !(r.moved && c.kind === "create" && c.path.startsWith(`${r.to.folder}/`)) && !(c.kind === "delete" && c.dir));
  for (const line of formatPlan(rest, { color })) writeLine(ctx.stdout, line);
  if (r.staged) writeLine(ctx.stdout, "The move is staged in git (as git mv stages it).");
  for (const w of r.warnings) writeLine(ctx.stderr, `warning: ${w}`);
  for (const d of r.dropped) writeLine(ctx.stderr, `note: ${d}/ was not moved (an environment or cache: rebuild it in ${r.to.folder}/)`);
  if (r.leftovers.length > 0) {
    writeLine(ctx.stderr, `note: ${r.leftovers.length} line${r.leftovers.length === 1 ? "" : "s"} still name${r.leftovers.length === 1 ? "s" : ""} "${r.from.name}" (not renamed: your text or code; change them if they mean the server):`);
    for (const l of r.leftovers) writeLine(ctx.stderr, `  ${l.file}:${l.line}: ${l.text}`);
  }
  return 0;
};
