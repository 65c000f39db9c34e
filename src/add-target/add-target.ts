import * as fs from "node:fs/promises";
import path from "node:path";
import { uncommittedChanges } from "../monorepo/git.js";
import { acquireBusy } from "../monorepo/busy.js";
import { isUserError, UserError } from "../kernel/errors.js";
import { loadManifest, loadManifestFrom, type LoadedManifest } from "../monorepo/manifest.js";
import { applyChanges, isWrite, type FileChange, type JournalEntry } from "../monorepo/changes.js";
import { findLeftovers } from "../sync/scan.js";
import { parseAddTargetOptions, planAddTargetIn, type AddTargetPlan } from "./plan.js";

/** How `addTarget` runs (all optional). */
export interface AddTargetRunOptions {
  /** Plan and report only; write nothing. */
  dryRun?: boolean;
  /** Write even when files add-target would modify have uncommitted git changes. */
  allowDirty?: boolean;
  /** A manifest already loaded from the same place. */
  loaded?: LoadedManifest;
  /** Test hook passed to `applyChanges` (fault injection). */
  beforeCommit?: (change: FileChange) => void | Promise<void>;
}

/** What `addTarget` did or, with `dryRun`, would do. */
export interface AddTargetResult extends AddTargetPlan {
  dryRun: boolean;
  /** Root-relative files it would modify that have uncommitted changes (see add-server); null when not checked. */
  dirty: string[] | null;
}

/**
 * The core of `add-target` (issue 9; never prompts): plans the new targets
 * ({@link planAddTargetIn}), refuses when a file it would modify has uncommitted git changes
 * (unless `allowDirty`), then applies the whole plan as one transaction (src/monorepo/changes.ts
 * `applyChanges`: all files or none), under the busy marker that `sync` and `add-server` respect.
 *
 * @param raw - `{ cwd, targets }` (see `addTargetOptionsSchema`).
 * @throws UserError for every refusal of {@link planAddTargetIn}, for uncommitted changes (lists
 *   the files), and for a write failure (after the rollback).
 */
export async function addTarget(raw: unknown, run: AddTargetRunOptions = {}): Promise<AddTargetResult> {
  const opts = parseAddTargetOptions(raw);
  const loaded = run.loaded ?? (await loadManifestFrom(opts.cwd));
  if (run.dryRun) return planAndApply(loaded, opts.targets, run);
  const release = await acquireBusy(loaded.root, "add-target");
  try {
    // Read again under the marker: taking it over may have finished a killed run's commit.
    const current = await loadManifest(loaded.root);
    await removeKilledRunLeftovers(current);
    return await planAndApply(current, opts.targets, run, release.record);
  } finally {
    await release();
  }
}

/**
 * Removes the temporary and backup files (`.<name>.mcpm-tmp-xxxxxxxx`, `.<name>.mcpm-bak-xxxxxxxx`)
 * that a killed add-target (or add-server) left beside the files add-target writes: in the root
 * and at the top of each server folder. Call only while holding the busy marker: every writer
 * holds it, so such files belong to a killed run (whose finished renames the marker's journal
 * has already completed).
 */
async function removeKilledRunLeftovers(loaded: LoadedManifest): Promise<void> {
  const dirs = [loaded.root, ...loaded.manifest.servers.map((s) => path.join(loaded.root, ...s.folder.replace(/\\/g, "/").replace(/\/$/, "").split("/")))];
  for (const dir of dirs) {
    const rel = path.relative(loaded.root, dir);
    if (rel.startsWith("..") || path.isAbsolute(rel)) continue; // a hand-edited folder outside the monorepo: not ours to clean
    for (const name of findLeftovers(dir)) await fs.rm(path.join(dir, name), { force: true });
  }
}

async function planAndApply(loaded: LoadedManifest, targets: AddTargetPlan["added"], run: AddTargetRunOptions, record?: (journal: JournalEntry[]) => Promise<void>): Promise<AddTargetResult> {
  const plan = await planAddTargetIn(loaded, targets);
  const touched = plan.changes.filter(isWrite).map((c) => c.path);
  const dirty = await uncommittedChanges(plan.root, touched);
  if (dirty && dirty.length > 0 && !run.dryRun && !run.allowDirty) {
    throw new UserError(
      `uncommitted changes in ${dirty.join(", ")}, which add-target would modify; commit or stash them first, or pass --allow-dirty (nothing was written)`,
    );
  }
  if (run.dryRun) return { ...plan, dryRun: true, dirty };
  try {
    // The renames are journaled in the busy marker: a run killed half way through them is
    // finished by the next add-target, add-server or sync (acquireBusy), never left half done.
    await applyChanges(plan.root, plan.changes, { beforeCommit: run.beforeCommit, onStaged: record });
  } catch (err) {
    if (isUserError(err)) throw err;
    const e = err as NodeJS.ErrnoException;
    const what = e.path ? path.relative(plan.root, e.path).replace(/(^|[\\/])\.([^\\/]+)\.mcpm-(tmp|bak)-[0-9a-f]{8}$/, "$1$2") : "a file";
    throw new UserError(`add-target could not write ${what} (${e.code ?? e.message}); every change was rolled back, nothing was changed`);
  }
  return { ...plan, dryRun: false, dirty };
}
