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
  let relock: RelockOutcome = { lines: [], relocked: [], needsLock: [] };
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
      const applied = await applySync(repo.root, plan, { commit });
      // Still under the busy marker: the servers whose pyproject.toml block changed are re-locked.
      relock = await relockAfterSync(ctx, repo, plan);
      return applied;
    },
  });
  if (mode !== "sync") relock = await relockAfterSync(ctx, opened, result.plan, true);
  return printResult(ctx, opts, result.plan, mode, result.applied, printed, relock);
};

/** What sync did about the servers whose shared requirements (pyproject.toml block) changed. */
interface RelockOutcome {
  /** Lines for the human report. */
  lines: string[];
  /** Servers re-locked. */
  relocked: string[];
  /** Servers that still need `lock`. */
  needsLock: string[];
}

/**
 * Re-locks (uv lock + export) each locked server whose pyproject.toml block changed, when uv is
 * installed; otherwise, or with `planOnly` (--check, --dry-run), names them.
 */
async function relockAfterSync(ctx: Context, repo: Monorepo, plan: SyncPlan, planOnly = false): Promise<RelockOutcome> {
  const need = plan.perServer.filter((s) => s.needsLock && s.status !== "blocked");
  if (!need.length) return { lines: [], relocked: [], needsLock: [] };
  const folders = need.map((s) => s.folder).join(", ");
  if (planOnly) {
    return { lines: [`note: ${folders} then need${need.length === 1 ? "s" : ""} \`npx create-mcp-monorepo lock\` (their shared requirements change; sync runs it when uv is installed)`], relocked: [], needsLock: need.map((s) => s.name) };
  }
  const { lockAfterWrite } = await import("../lock/index.js");
  const r = await lockAfterWrite(repo.root, need.map((s) => s.name), { env: ctx.env });
  const lines = r.locked.map((name) => `LOCKED    ${need.find((s) => s.name === name)!.folder}/uv.lock, requirements.txt  (re-locked on ${r.python})`);
  if (r.note) lines.push(`note: ${r.note}`);
  else if (!r.locked.length) lines.push(`note: run \`npx create-mcp-monorepo lock\` for ${folders} (their shared requirements changed)`);
  return { lines, relocked: r.locked, needsLock: need.map((s) => s.name).filter((n) => !r.locked.includes(n)) };
}

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

function printResult(ctx: Context, opts: SyncCliOptions, plan: SyncPlan, mode: SyncMode, result: SyncApplyResult | null, printed: boolean, relock: RelockOutcome): number {
  const color = useColor(ctx, { json: opts.json });
  const code = syncExitCode(plan, mode);
  // The summary line: green when all is well, red when the command fails.
  const summary = (line: string) => pc.createColors(color)[code === 0 ? "green" : "red"](line);
  const lines = formatSyncReport(plan, mode, { color });
  if (opts.json) {
    const json = syncJson(plan, mode, mode === "sync" ? (result ?? { written: [], deleted: [], leftoversRemoved: [] }) : null);
    writeLine(ctx.stdout, JSON.stringify({ ...json, needsLock: relock.needsLock, relocked: relock.relocked }, null, 2));
    return code;
  }
  if (!printed) for (const line of lines.slice(0, -1)) writeLine(ctx.stdout, line);
  for (const line of relock.lines) writeLine(ctx.stdout, line);
  writeLine(ctx.stdout, summary(mode === "sync" ? formatSyncReport(plan, mode).at(-1)! : lines.at(-1)!));
  return code;
}
