import path from "node:path";
import pc from "picocolors";
import type { CommandAction } from "./types.js";
import { useColor, writeLine } from "../kernel/context.js";
import { UserError } from "../kernel/errors.js";
import { openMonorepo } from "../monorepo/monorepo.js";
import { lockAndWrite, lockMonorepo, type ServerLockResult } from "../lock/index.js";

// The body of `lock`, loaded by src/commands/lock.ts only when it runs.

/** Options of `lock` as commander parses them. */
export interface LockCliOptions {
  upgrade?: boolean;
  upgradePackage?: string[];
  check?: boolean;
  dryRun?: boolean;
  json?: boolean;
  cwd?: string;
  interpreter?: string;
}

const LABEL: Record<ServerLockResult["status"], string> = {
  locked: "LOCKED",
  "up-to-date": "CURRENT",
  stale: "STALE",
  "no-pyproject": "SKIPPED",
  failed: "FAILED",
};

/**
 * The `lock` command body: loads the manifest, locks (or checks) the named servers, prints a
 * line per server naming the Python used. Returns 1 when one failed, or is stale under `--check`.
 */
export const lockAction: CommandAction<{ names: string[]; options: LockCliOptions }> = async (ctx, { names, options: opts }) => {
  if (opts.check && opts.dryRun) throw new UserError("--check and --dry-run cannot be used together (--check already writes nothing)");
  if (opts.check && (opts.upgrade || opts.upgradePackage?.length)) throw new UserError("--check cannot be used with --upgrade or --upgrade-package (--check never re-resolves)");
  const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  const mode = opts.check ? "check" : opts.dryRun ? "dry-run" : "lock";
  const locking = { only: names, upgrade: opts.upgrade, upgradePackages: opts.upgradePackage, interpreter: opts.interpreter, env: ctx.env };
  let result;
  if (mode === "lock") result = await lockAndWrite({ start, ...locking });
  else {
    const repo = await openMonorepo(start);
    result = await lockMonorepo({ root: repo.root, manifest: repo.manifest, mode, ...locking });
  }
  const failed = result.servers.filter((s) => s.status === "failed" || (mode === "check" && s.status === "stale"));
  const code = failed.length ? 1 : 0;
  const python = `${result.python.implementation} ${result.python.version}`;
  if (opts.json) {
    writeLine(
      ctx.stdout,
      JSON.stringify({ ok: code === 0, mode, python: { version: result.python.version, implementation: result.python.implementation, path: result.python.path }, uv: result.uv.version, servers: result.servers }, null, 2),
    );
  } else {
    const c = pc.createColors(useColor(ctx));
    const verb = mode === "lock" ? "lock" : mode === "check" ? "lock --check" : "lock --dry-run";
    writeLine(ctx.stdout, `${verb}: on ${python} with uv ${result.uv.version}`);
    for (const s of result.servers) {
      const label = mode === "dry-run" && s.status === "stale" ? "WOULD LOCK" : LABEL[s.status];
      const what = s.status === "locked" ? [s.lockChanged ? "uv.lock" : null, s.exportChanged ? "requirements.txt" : null].filter(Boolean).join(", ") : "";
      const pins = s.packages !== null ? ` (${s.packages} pinned)` : "";
      const tail = [what, s.message].filter(Boolean).join("; ");
      writeLine(ctx.stdout, `${label.padEnd(10)} ${s.folder}${pins}${tail ? `: ${tail}` : ""}`);
    }
    const summary =
      code === 0
        ? mode === "check"
          ? `every lock is current (${result.servers.length} servers)`
          : mode === "dry-run"
            ? `${result.servers.filter((s) => s.status === "stale").length} would be locked (nothing written)`
            : `${result.servers.filter((s) => s.status === "locked").length} locked, ${result.servers.filter((s) => s.status === "up-to-date").length} current`
        : mode === "check"
          ? `${failed.length} stale or failed: run \`npx create-mcp-monorepo lock\``
          : `${failed.length} failed`;
    writeLine(ctx.stdout, c[code === 0 ? "green" : "red"](summary));
  }
  return code;
};
