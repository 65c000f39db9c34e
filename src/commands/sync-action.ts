import path from "node:path";
import { writeLine, type Context } from "../core/context.js";
import { UserError } from "../core/errors.js";
import { loadManifestFrom } from "../core/manifest.js";
import { readLock, SHARED_DIR } from "../core/vendor.js";
import { acquireBusy } from "../core/busy.js";
import { isWrite } from "../core/plan.js";
import { applySync, type SyncApplyResult } from "../sync/apply.js";
import { planSync } from "../sync/plan.js";
import type { SyncPlan } from "../sync/types.js";
import { formatSyncReport, syncExitCode, syncJson, type SyncMode } from "../sync/report.js";

// The body of `sync`, loaded by src/commands/sync.ts only when it runs.

/** Options of `sync` as commander parses them. */
export interface SyncCliOptions {
  server?: string[];
  check?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  cwd?: string;
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
    return await printAndApply(ctx, opts, loaded.root, plan, mode);
  } finally {
    await release?.();
  }
}

async function printAndApply(ctx: Context, opts: SyncCliOptions, root: string, plan: SyncPlan, mode: SyncMode): Promise<number> {
  let result: SyncApplyResult | null = null;
  const color = !opts.json && Boolean((ctx.stdout as { isTTY?: boolean }).isTTY) && !ctx.env.NO_COLOR;
  if (mode === "sync" && !opts.json) {
    // Print first, so the discarded edits of --force are on screen before they are overwritten.
    for (const line of formatSyncReport(plan, mode, { color }).slice(0, -1)) writeLine(ctx.stdout, line);
  }
  if (mode === "sync") result = await applySync(root, plan);
  if (opts.json) {
    writeLine(ctx.stdout, JSON.stringify(syncJson(plan, mode, result), null, 2));
  } else if (mode === "sync") {
    writeLine(ctx.stdout, formatSyncReport(plan, mode).at(-1));
  } else {
    for (const line of formatSyncReport(plan, mode, { color })) writeLine(ctx.stdout, line);
  }
  return syncExitCode(plan, mode);
}
