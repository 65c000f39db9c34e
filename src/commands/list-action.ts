import path from "node:path";
import pc from "picocolors";
import { useColor, writeLine } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { listServers, useInspected } from "../list/index.js";

// The body of `list`, loaded by src/commands/list.ts only when it runs.

/** Options of `list` as commander parses them. */
export interface ListFlags {
  inspect?: boolean;
  interpreter?: string;
  cwd?: string;
  json?: boolean;
}

/** The `list` command body: one block per server, or `{ root, project, servers[] }` as JSON. */
export const listAction: CommandAction<{ options: ListFlags }> = async (ctx, { options: flags }) => {
  const cwd = flags.cwd ? path.resolve(ctx.cwd, flags.cwd) : ctx.cwd;
  const r = await listServers({ cwd, env: ctx.env });
  if (flags.inspect) {
    // Through verify's action chunk: the MCP SDK stays behind verify's own entry (test/package/bundle.test.ts).
    const { inspectTools } = await import("./verify-action.js");
    const present = r.servers.filter((s) => s.folderExists).map((s) => s.name);
    if (present.length > 0) useInspected(r, await inspectTools({ start: r.root, servers: present, python: flags.interpreter, env: ctx.env }));
  }
  if (flags.json) {
    writeLine(ctx.stdout, JSON.stringify({ root: path.relative(ctx.cwd, r.root) || ".", project: r.project, servers: r.servers }, null, 2));
    return 0;
  }
  const c = pc.createColors(useColor(ctx));
  writeLine(ctx.stdout, `${r.project}: ${r.servers.length} server${r.servers.length === 1 ? "" : "s"}`);
  for (const s of r.servers) {
    const sync = s.sync === "in-sync" ? c.green("in sync") : s.sync === "missing" ? c.red("folder missing") : c.yellow(s.sync);
    writeLine(ctx.stdout, `\n${c.bold(s.name)}  ${s.description}`);
    writeLine(ctx.stdout, `  folder      ${s.folder}/${s.folderExists ? "" : c.red(" (missing: see check)")}`);
    writeLine(ctx.stdout, `  entrypoint  ${s.entrypoint}`);
    writeLine(ctx.stdout, `  targets     ${s.targets.join(", ")}`);
    writeLine(ctx.stdout, `  python      ${s.python}`);
    writeLine(ctx.stdout, `  tools       ${s.tools.join(", ") || "none found"}${s.toolsFrom === "code" ? c.dim(" (from the code)") : s.toolsFrom === "fastmcp" ? c.dim(" (fastmcp inspect)") : ""}`);
    writeLine(ctx.stdout, `  sync        ${sync}`);
    if (s.problem) writeLine(ctx.stdout, `  problem     ${s.problem}`);
  }
  return 0;
};
