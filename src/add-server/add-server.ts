import path from "node:path";
import { acquireBusy } from "../core/busy.js";
import { UserError, isUserError } from "../core/errors.js";
import { loadManifestFrom, type LoadedManifest } from "../core/manifest.js";
import { applyChanges, type FileChange } from "../core/plan.js";
import { uncommittedChanges } from "./git.js";
import { parseAddServerOptions } from "./options.js";
import { planAddServerIn } from "./plan.js";
import type { AddServerPlan, AddServerResult } from "./types.js";

/** How `addServer` runs (all optional). */
export interface AddServerRunOptions {
  /** Plan and report only; write nothing (uncommitted files are reported, not refused). */
  dryRun?: boolean;
  /** Write even when files add-server would modify have uncommitted git changes. */
  allowDirty?: boolean;
  /** A manifest already loaded from the same place (the CLI loads it before prompting). */
  loaded?: LoadedManifest;
  /** Test hook passed to `applyChanges`: called before each file is renamed into place (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/**
 * The core of `add-server` (issue 3; never prompts): plans the new server and the
 * root updates ({@link planAddServerIn}), refuses when a file it would modify has
 * uncommitted git changes (unless `allowDirty`), then applies the whole plan as one
 * transaction with `applyChanges` (src/core/plan.ts: every file staged first, renamed
 * into place with backups; any failure rolls every file back, so either all files
 * are created and updated or none is).
 *
 * @param raw - `{ cwd, name, description?, targets? }` (see `addServerOptionsSchema`).
 * @param run - dry run, allow dirty, preloaded manifest, test hook.
 * @returns what was done (or, with `dryRun`, would be done).
 * @throws UserError for every refusal of {@link planAddServerIn}; for uncommitted changes
 *   (lists the files); for a write failure (after the rollback: names the file, says nothing changed).
 */
export async function addServer(raw: unknown, run: AddServerRunOptions = {}): Promise<AddServerResult> {
  const opts = parseAddServerOptions(raw);
  const loaded = run.loaded ?? (await loadManifestFrom(opts.cwd));
  if (run.dryRun) return planAndApply(loaded, opts, run);
  // Plan and apply under the busy marker, so a concurrent sync cannot interleave.
  const release = await acquireBusy(loaded.root, "add-server");
  try {
    return await planAndApply(loaded, opts, run);
  } finally {
    await release();
  }
}

async function planAndApply(loaded: LoadedManifest, opts: ReturnType<typeof parseAddServerOptions>, run: AddServerRunOptions): Promise<AddServerResult> {
  const plan = await planAddServerIn(loaded, opts.name, opts.description, opts.targets);
  const dirty = await uncommittedChanges(plan.root, touchedPaths(plan));
  if (dirty && dirty.length > 0 && !run.dryRun && !run.allowDirty) {
    throw new UserError(
      `uncommitted changes in ${dirty.join(", ")}, which add-server would modify; commit or stash them first, or pass --allow-dirty (nothing was written)`,
    );
  }
  if (run.dryRun) return { ...plan, dryRun: true, dirty };
  await applyPlan(plan, run.beforeCommit);
  return { ...plan, dryRun: false, dirty };
}

/** Root-relative paths add-server would write: the new folder and each root file it creates or updates. */
export function touchedPaths(plan: AddServerPlan): string[] {
  const out = new Set<string>([plan.server.folder]);
  for (const c of plan.changes) {
    if (c.kind === "unchanged") continue;
    if (!c.path.startsWith(`${plan.server.folder}/`)) out.add(c.path);
  }
  return [...out];
}

async function applyPlan(plan: AddServerPlan, beforeCommit: AddServerRunOptions["beforeCommit"]): Promise<void> {
  try {
    await applyChanges(plan.root, plan.changes, { beforeCommit });
  } catch (err) {
    if (isUserError(err)) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.path ? path.relative(plan.root, e.path).replace(/(^|[\\/])\.([^\\/]+)\.mcpm-(tmp|bak)-[0-9a-f]{8}$/, "$1$2") : "a file";
    throw new UserError(`add-server could not write ${what} (${e.code ?? e.message}); every change was rolled back, nothing was changed`);
  }
}
