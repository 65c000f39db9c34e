import path from "node:path";
import pc from "picocolors";
import { useColor, writeLine, type Context } from "../kernel/context.js";
import type { CommandAction } from "./types.js";
import { oneLineMessage, UserError } from "../kernel/errors.js";
import { SHARED_DIR } from "../monorepo/vendor.js";
import { unfinishedCommit } from "../monorepo/busy.js";
import { isWrite } from "../monorepo/changes.js";
import { openMonorepo, type Monorepo } from "../monorepo/monorepo.js";
import { runWrite } from "../monorepo/transaction.js";
import { applySync, SYNC_ROLLED_BACK, type SyncApplyResult } from "../sync/apply.js";
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
 * The `sync` command body: validates options, plans, prints, applies through the monorepo's write
 * transaction (src/monorepo/transaction.ts): a sync that writes plans again under the busy
 * marker, with the manifest and lock read after taking it; a sync with nothing to write takes no
 * marker and writes nothing.
 *
 * @returns the exit code (0 ok or already in sync; 1 conflicts, requirement errors or a failed `--check`).
 * @throws UserError for bad option combinations, a missing manifest or `shared/`, an unknown server.
 */
export const syncAction: CommandAction<{ options: SyncCliOptions }> = async (ctx, { options: opts }) => {
  if (opts.check && opts.force) throw new UserError("--check and --force cannot be used together (--check never writes)");
  if (opts.check && opts.dryRun) throw new UserError("--check and --dry-run cannot be used together (--check already writes nothing)");
  const start = opts.cwd ? path.resolve(ctx.cwd, opts.cwd) : ctx.cwd;
  const opened = await openMonorepo(start);
  if (opened.manifest.shared !== SHARED_DIR) {
    throw new UserError(`mcp-monorepo.yaml sets shared: "${opened.manifest.shared}", but sync only supports "${SHARED_DIR}"`);
  }
  const mode: SyncMode = opts.check ? "check" : opts.dryRun ? "dry-run" : "sync";
  // A killed writer may have left its commit half done (journaled in the busy marker):
  // --check and --dry-run say so; a sync takes the marker, which finishes it, and plans after that.
  const unfinished = await unfinishedCommit(opened.root);
  if (unfinished && mode !== "sync") {
    throw new UserError(`an interrupted ${oneLineMessage(unfinished)} left its changes half written; run npx create-mcp-monorepo sync to finish them`);
  }
  const color = useColor(ctx, { json: opts.json });
  let printed = false;
  const result = await runWrite<SyncPlan, SyncApplyResult>({
    command: "sync",
    start,
    opened,
    dryRun: mode !== "sync",
    allowDirty: opts.allowDirty,
    rolledBack: SYNC_ROLLED_BACK,
    plan: (repo) => planFor(repo, opts),
    changes: (plan) => plan.changes,
    // Only a sync that will write takes the busy marker (a no-op sync writes nothing at all).
    idle: (plan) => plan.leftovers.length === 0 && !plan.changes.some(isWrite),
    // --force discards hand edits of vendored files: one with uncommitted git changes exists nowhere
    // else, so it is refused unless --allow-dirty. A plain sync rewrites only what it last wrote.
    guard: (plan) => {
      const forced = plan.conflicts.filter((c) => c.forced).map((c) => c.path);
      return mode === "sync" && opts.force && forced.length > 0 ? { paths: forced, verb: "sync --force would overwrite" } : null;
    },
    apply: async (plan, { commit, dirty, repo }) => {
      if (dirty && dirty.length > 0) writeLine(ctx.stderr, `note: --allow-dirty: overwrote uncommitted changes in ${dirty.join(", ")}`);
      // Print first, so the discarded edits of --force are on screen before they are overwritten.
      if (!opts.json) for (const line of formatSyncReport(plan, mode, { color }).slice(0, -1)) writeLine(ctx.stdout, line);
      printed = true;
      return applySync(repo.root, plan, { commit });
    },
  });
  return printResult(ctx, opts, result.plan, mode, result.applied, printed);
};

function planFor(repo: Monorepo, opts: SyncCliOptions): Promise<SyncPlan> {
  return repo.readLock().then((lock) =>
    planSync({
      root: repo.root,
      servers: repo.servers,
      selected: opts.server?.length ? repo.select(opts.server) : undefined,
      lock,
      force: Boolean(opts.force),
      deploy: { python: repo.manifest.python, targets: repo.manifest.targets },
    }),
  );
}

function printResult(ctx: Context, opts: SyncCliOptions, plan: SyncPlan, mode: SyncMode, result: SyncApplyResult | null, printed: boolean): number {
  const color = useColor(ctx, { json: opts.json });
  const code = syncExitCode(plan, mode);
  // The summary line: green when all is well, red when the command fails.
  const summary = (line: string) => pc.createColors(color)[code === 0 ? "green" : "red"](line);
  const lines = formatSyncReport(plan, mode, { color });
  if (opts.json) {
    writeLine(ctx.stdout, JSON.stringify(syncJson(plan, mode, mode === "sync" ? (result ?? { written: [], deleted: [], leftoversRemoved: [] }) : null), null, 2));
    return code;
  }
  if (!printed) for (const line of lines.slice(0, -1)) writeLine(ctx.stdout, line);
  writeLine(ctx.stdout, summary(mode === "sync" ? formatSyncReport(plan, mode).at(-1)! : lines.at(-1)!));
  return code;
}
