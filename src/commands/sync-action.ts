import path from "node:path";
import pc from "picocolors";
import { useColor, writeLine, type Context } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { oneLineMessage, UserError } from "../kernel/errors.js";
import { loadManifestFrom } from "../monorepo/manifest.js";
import { readLock, SHARED_DIR } from "../monorepo/vendor.js";
import { acquireBusy, unfinishedCommit } from "../monorepo/busy.js";
import { isWrite } from "../monorepo/changes.js";
import { applySync, type SyncApplyResult } from "../sync/apply.js";
import { guardForcedOverwrites } from "../sync/dirty-guard.js";
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
  allowDirty?: boolean;
}

/**
 * The `sync` command body: validates options, plans, prints, applies.
 *
 * @returns the exit code (0 ok or already in sync; 1 conflicts, requirement errors or a failed `--check`).
 * @throws UserError for bad option combinations, a missing manifest or `shared/`, an unknown server.
 */
export const syncAction: CommandAction<{ options: SyncCliOptions }> = async (ctx, { options: opts }) => {
  if (opts.check && opts.force) throw new UserError("--check and --force cannot be used together (--check never writes)");
  if (opts.check && opts.dryRun) throw new UserError("--check and --dry-run cannot be used together (--check already writes nothing)");
  const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  let loaded = await loadManifestFrom(start);
  if (loaded.manifest.shared !== SHARED_DIR) {
    throw new UserError(`mcp-monorepo.yaml sets shared: "${loaded.manifest.shared}", but sync only supports "${SHARED_DIR}"`);
  }
  const mode: SyncMode = opts.check ? "check" : opts.dryRun ? "dry-run" : "sync";
  const makePlan = async () =>
    planSync({ root: loaded.root, servers: loaded.manifest.servers, lock: await readLock(loaded.root), only: opts.server, force: Boolean(opts.force), deploy: { python: loaded.manifest.python, targets: loaded.manifest.targets } });
  // A killed add-server may have left its commit half done (journaled in the busy marker):
  // --check and --dry-run say so; a sync takes the marker, which finishes it, and plans after that.
  const unfinished = await unfinishedCommit(loaded.root);
  if (unfinished && mode !== "sync") {
    throw new UserError(`an interrupted ${oneLineMessage(unfinished)} left its changes half written; run mcp-monorepo sync to finish them`);
  }
  let plan = await makePlan();
  // Only a sync that will write takes the busy marker (a no-op sync writes nothing at all);
  // it plans again under the marker, so no other command changed the tree in between.
  const hasWork = plan.leftovers.length > 0 || plan.changes.some(isWrite) || unfinished !== null;
  const release = mode === "sync" && hasWork ? await acquireBusy(loaded.root, "sync") : null;
  try {
    if (release) {
      // Taking the marker may have finished an interrupted add-server: read the manifest again.
      if (unfinished) loaded = await loadManifestFrom(start);
      plan = await makePlan();
    }
    if (mode === "sync" && opts.force) {
      const dirty = await guardForcedOverwrites(loaded.root, plan, Boolean(opts.allowDirty));
      if (dirty.length > 0) writeLine(ctx.stderr, `note: --allow-dirty: overwrote uncommitted changes in ${dirty.join(", ")}`);
    }
    return await printAndApply(ctx, opts, loaded.root, plan, mode);
  } finally {
    await release?.();
  }
};

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
