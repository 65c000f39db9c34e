import path from "node:path";
import { writeLine } from "../kernel/context.js";
import { isUserError } from "../kernel/errors.js";
import { findAffected } from "../affected/index.js";
import type { CommandAction } from "./types.js";

// The body of `affected`, loaded by src/commands/affected.ts only when it runs.

/** Options of `affected` as commander parses them. */
export interface AffectedCliOptions {
  base?: string;
  head?: string;
  all?: boolean;
  json?: boolean;
  cwd?: string;
}

/**
 * The `affected` command body: one selected server folder a line (why, when every server is
 * selected, on stderr), or `--json`.
 *
 * @returns 0 (an empty list is an answer, not a failure).
 * @throws CannotRunError (exit 2) outside a monorepo or a git work tree (with `--json`: printed as `{"error": ...}`).
 */
export const affectedAction: CommandAction<{ options: AffectedCliOptions }> = async (ctx, { options: opts }) => {
  try {
    const r = await findAffected({ start: opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd, base: opts.base, head: opts.head, all: opts.all });
    if (opts.json) {
      writeLine(ctx.stdout, JSON.stringify({ all: r.all, reason: r.reason, servers: r.servers, folders: r.folders, changed: r.changed }));
    } else {
      if (r.reason) writeLine(ctx.stderr, `every server: ${r.reason}`);
      for (const f of r.folders) writeLine(ctx.stdout, f);
    }
    return 0;
  } catch (err) {
    if (opts.json && isUserError(err)) {
      writeLine(ctx.stdout, JSON.stringify({ error: err.message, exitCode: err.exitCode }));
      return err.exitCode;
    }
    throw err;
  }
};
