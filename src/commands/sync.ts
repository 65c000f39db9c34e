import path from "node:path";
import type { Command } from "commander";
import type { RunState } from "../cli.js";
import pc from "picocolors";
import { useColor, writeLine, type Context } from "../core/context.js";
import { UserError } from "../core/errors.js";
import { loadManifestFrom } from "../core/manifest.js";
import { readLock, SHARED_DIR } from "../core/vendor.js";
import { acquireBusy } from "../core/busy.js";
import { isWrite } from "../core/plan.js";
import { applySync, type SyncApplyResult } from "../sync/apply.js";
import { guardForcedOverwrites } from "../sync/dirty-guard.js";
import { planSync } from "../sync/plan.js";
import type { SyncPlan } from "../sync/types.js";
import { formatSyncReport, syncExitCode, syncJson, type SyncMode } from "../sync/report.js";

/** Options of `sync` as commander parses them. */
export interface SyncCliOptions {
  server?: string[];
  check?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  cwd?: string;
  allowDirty?: boolean;
}

/**
 * Registers `sync` (issue 4): copies canonical `shared/` into every server's
 * `src/shared/`, merges `shared/requirements.txt` into each server's managed
 * block, and records what it wrote in `mcp-monorepo.lock.json`.
 *
 * Options: `--server NAME` (repeatable), `--check` (write nothing; exit 1 unless all
 * in sync: what CI and pre-commit run), `--dry-run`, `--force` (overwrite hand edits,
 * printing what is discarded; refused when they are uncommitted in git), `--allow-dirty`, `--json`, `--cwd DIR`.
 * Sets `state.exitCode = 1` for conflicts, requirement errors and failed checks.
 */
export function registerSync(program: Command, ctx: Context, state: RunState): void {
  program
    .command("sync")
    .description("copy the canonical shared/ package into every server's src/shared/ and merge shared/requirements.txt")
    .option("-s, --server <name>", "sync only this server (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--check", "write nothing; exit 1 if any server is out of date, has a conflict or unmanaged files (for CI and pre-commit)")
    .option("--dry-run", "print what would change; write nothing")
    .option("--force", "overwrite vendored files edited by hand (prints what it discards; refused over uncommitted git changes)")
    .option("--allow-dirty", "with --force: overwrite even files that have uncommitted git changes")
    .option("--json", "print the result as JSON")
    .option("--cwd <dir>", "run as if started in <dir>")
    .addHelpText(
      "after",
      [
        "",
        "A vendored file edited by hand is a conflict: it is shown as a diff and left alone (exit 1);",
        "move the edit into shared/ and run sync again, or use --force to overwrite it.",
        "State is kept in mcp-monorepo.lock.json: commit it with the vendored copies.",
        "With shared/.env.example, the shared-settings block of every .env.example is kept in step too.",
        "",
        "Exit codes: 0 in sync (or synced); 1 out of date (--check), conflicts, requirements.txt or",
        ".env.example errors; 2 could not run (no or broken mcp-monorepo.yaml or lock, unknown --server).",
        "",
        "Examples:",
        "  mcp-monorepo sync                 update every server",
        "  mcp-monorepo sync --check         what CI and pre-commit run (writes nothing)",
        "  mcp-monorepo sync -s ops --dry-run",
      ].join("\n"),
    )
    .action(async (own: SyncCliOptions, cmd: Command) => {
      // The program uses positional options (src/cli.ts), so flags after `sync` are sync's own;
      // a program-wide --cwd, if one is ever added, is honoured too.
      const parentCwd = cmd.parent?.opts().cwd;
      state.exitCode = await runSync(ctx, { ...own, cwd: own.cwd ?? (typeof parentCwd === "string" ? parentCwd : undefined) });
    });
}

/**
 * The `sync` command body: validates options, plans, prints, applies.
 *
 * @returns the exit code (0 ok or already in sync; 1 conflicts, requirement errors or a failed `--check`).
 * @throws UserError for bad option combinations, a missing manifest or `shared/`, an unknown server.
 */
export async function runSync(ctx: Context, opts: SyncCliOptions): Promise<number> {
  if (opts.check && opts.force) throw new UserError("--check and --force cannot be used together (--check never writes)");
  if (opts.check && opts.dryRun) throw new UserError("--check and --dry-run cannot be used together (--check already writes nothing)");
  const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  const loaded = await loadManifestFrom(start);
  if (loaded.manifest.shared !== SHARED_DIR) {
    throw new UserError(`mcp-monorepo.yaml sets shared: "${loaded.manifest.shared}", but sync only supports "${SHARED_DIR}"`);
  }
  const mode: SyncMode = opts.check ? "check" : opts.dryRun ? "dry-run" : "sync";
  const makePlan = async () =>
    planSync({ root: loaded.root, servers: loaded.manifest.servers, lock: await readLock(loaded.root), only: opts.server, force: Boolean(opts.force) });
  let plan = await makePlan();
  // Only a sync that will write takes the busy marker (a no-op sync writes nothing at all);
  // it plans again under the marker, so no other command changed the tree in between.
  const hasWork = plan.leftovers.length > 0 || plan.changes.some(isWrite);
  const release = mode === "sync" && hasWork ? await acquireBusy(loaded.root, "sync") : null;
  try {
    if (release) plan = await makePlan();
    if (mode === "sync" && opts.force) {
      const dirty = await guardForcedOverwrites(loaded.root, plan, Boolean(opts.allowDirty));
      if (dirty.length > 0) writeLine(ctx.stderr, `note: --allow-dirty: overwrote uncommitted changes in ${dirty.join(", ")}`);
    }
    return await printAndApply(ctx, opts, loaded.root, plan, mode);
  } finally {
    await release?.();
  }
}

async function printAndApply(ctx: Context, opts: SyncCliOptions, root: string, plan: SyncPlan, mode: SyncMode): Promise<number> {
  let result: SyncApplyResult | null = null;
  const color = useColor(ctx, { json: opts.json });
  const code = syncExitCode(plan, mode);
  // The summary line: green when all is well, red when the command fails.
  const summary = (line: string) => pc.createColors(color)[code === 0 ? "green" : "red"](line);
  if (mode === "sync" && !opts.json) {
    // Print first, so the discarded edits of --force are on screen before they are overwritten.
    for (const line of formatSyncReport(plan, mode, { color }).slice(0, -1)) writeLine(ctx.stdout, line);
  }
  if (mode === "sync") result = await applySync(root, plan);
  if (opts.json) {
    writeLine(ctx.stdout, JSON.stringify(syncJson(plan, mode, result), null, 2));
  } else if (mode === "sync") {
    writeLine(ctx.stdout, summary(formatSyncReport(plan, mode).at(-1)!));
  } else {
    const lines = formatSyncReport(plan, mode, { color });
    for (const line of lines.slice(0, -1)) writeLine(ctx.stdout, line);
    writeLine(ctx.stdout, summary(lines.at(-1)!));
  }
  return code;
}
